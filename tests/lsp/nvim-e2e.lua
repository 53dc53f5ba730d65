-- Drives `dfc lsp --stdio` from Neovim's built-in LSP client (Debian's 0.7): diagnostics, hover,
-- completion, a quick fix and formatting applied to a real buffer. Run by nvim_e2e.sh, which says how.
--
-- Env: DFC_LSP_CMD (JSON array), DFC_E2E_FILE (the Dockerfile), DFC_E2E_TIMEOUT_MS.
-- Every check prints "PASS name" or "FAIL name: detail"; Neovim exits 1 when any check failed.
local results = {}
local function check(name, ok, detail)
  table.insert(results, { name = name, ok = ok and true or false, detail = detail })
  return ok
end

local function report_and_quit()
  local failed = 0
  for _, r in ipairs(results) do
    if r.ok then
      io.stdout:write('PASS ', r.name, '\n')
    else
      failed = failed + 1
      io.stdout:write('FAIL ', r.name, ': ', vim.inspect(r.detail), '\n')
    end
  end
  io.stdout:write(string.format('nvim e2e: %d passed, %d failed\n', #results - failed, failed))
  io.stdout:flush()
  vim.cmd(failed == 0 and 'qall!' or 'cquit! 1')
end

-- Any Lua error is a failed run, not a hung or silently passing editor.
local ok_run, err = pcall(function()
  local timeout = tonumber(os.getenv('DFC_E2E_TIMEOUT_MS') or '10000')
  local cmd = vim.fn.json_decode(os.getenv('DFC_LSP_CMD') or 'null')
  local file = os.getenv('DFC_E2E_FILE')
  assert(type(cmd) == 'table' and file, 'DFC_LSP_CMD and DFC_E2E_FILE must be set')

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'dockerfile'
  local uri = vim.uri_from_bufnr(buf)

  -- The latest publishDiagnostics for our file, as the server sent it (not Neovim's conversion),
  -- so the code-action request carries the server's own diagnostics back.
  local published = { count = 0, diagnostics = nil }
  local client_id = vim.lsp.start_client({
    name = 'dfc',
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(file, ':h'),
    flags = { debounce_text_changes = 0 },
    -- The extension's settings shape; the override raises the finding of step 1 to an error.
    init_options = { lint = { severityOverrides = { JsonInSingleQuotes = 'error' }, shellcheck = false, configFile = '' } },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(e, result, ctx, config)
        if result and result.uri == uri then
          published.count = published.count + 1
          published.diagnostics = result.diagnostics
        end
        return vim.lsp.handlers['textDocument/publishDiagnostics'](e, result, ctx, config)
      end,
    },
  })
  if not check('client starts `dfc lsp --stdio`', client_id ~= nil, cmd) then return end
  vim.lsp.buf_attach_client(buf, client_id)

  local function client() return vim.lsp.get_client_by_id(client_id) end
  local up = vim.wait(timeout, function() return client() ~= nil and client().initialized end, 10)
  if not check('initialize completes', up) then return end
  local caps = client().server_capabilities or {}
  for _, cap in ipairs({ 'hoverProvider', 'completionProvider', 'codeActionProvider', 'documentFormattingProvider' }) do
    check('server announces ' .. cap, caps[cap] ~= nil and caps[cap] ~= false, vim.tbl_keys(caps))
  end
  local encoding = client().offset_encoding or 'utf-16'

  local function request(method, params)
    local answers, e = vim.lsp.buf_request_sync(buf, method, params, timeout)
    local answer = answers and answers[client_id]
    if not answer then return nil, e or 'no answer within ' .. timeout .. ' ms' end
    return answer.result, answer.error
  end
  local function lines() return vim.api.nvim_buf_get_lines(buf, 0, -1, false) end
  local function diagnostics_with(code)
    local found = {}
    for _, d in ipairs(published.diagnostics or {}) do
      if d.code == code then table.insert(found, d) end
    end
    return found
  end
  local function wait_for_diagnostics(after)
    return vim.wait(timeout, function() return published.count > after end, 5)
  end

  -- 1. Diagnostics for the file as opened: its single-quoted exec form is a lint finding.
  check('diagnostics published on open', wait_for_diagnostics(0))
  local quoted = diagnostics_with('JsonInSingleQuotes')
  check('JsonInSingleQuotes reported on line 4', #quoted == 1 and quoted[1].range.start.line == 4, published.diagnostics)
  check('init_options severity override applies (error)', #quoted == 1 and quoted[1].severity == 1, quoted)
  local neovim_diags = vim.diagnostic.get(buf, { lnum = 4 })
  check('Neovim shows the finding in the buffer', #neovim_diags > 0, neovim_diags)

  -- 2. Hover on the FROM keyword and on a stage reference.
  local hover, herr = request('textDocument/hover', { textDocument = { uri = uri }, position = { line = 0, character = 2 } })
  local hover_text = ''
  if hover and hover.contents then
    hover_text = table.concat(vim.lsp.util.convert_input_to_markdown_lines(hover.contents), '\n')
  end
  check('hover on FROM documents the instruction', herr == nil and hover_text:find('FROM') ~= nil, { err = herr, text = hover_text })

  -- 3. Completion: stage names after --from=, instructions at the start of a line.
  local function labels_at(line, character)
    local result, cerr = request('textDocument/completion',
      { textDocument = { uri = uri }, position = { line = line, character = character } })
    local set = {}
    for _, item in ipairs(result and (result.items or result) or {}) do set[item.label] = true end
    return set, cerr
  end
  local stage_labels, cerr1 = labels_at(7, #'COPY --from=')
  check('completion after --from= offers stage "base"', cerr1 == nil and stage_labels['base'], vim.tbl_keys(stage_labels))
  local instr_labels, cerr2 = labels_at(5, 0)
  check('completion on an empty line offers RUN and COPY', cerr2 == nil and instr_labels['RUN'] and instr_labels['COPY'],
    vim.tbl_keys(instr_labels))

  -- 4. The quick fix for JsonInSingleQuotes, applied by Neovim; the finding must then go away.
  if #quoted == 1 then
    local actions, aerr = request('textDocument/codeAction', {
      textDocument = { uri = uri },
      range = quoted[1].range,
      context = { diagnostics = quoted, only = { 'quickfix' } },
    })
    local fix
    local titles = {}
    for _, a in ipairs(actions or {}) do
      table.insert(titles, a.title)
      if not fix and a.edit and a.isPreferred then fix = a end
    end
    if check('a preferred quick fix is offered', aerr == nil and fix ~= nil, { err = aerr, titles = titles }) then
      local before = published.count
      vim.lsp.util.apply_workspace_edit(fix.edit, encoding)
      check('quick fix rewrites the exec form with double quotes',
        lines()[5] == 'CMD ["cat", "/greeting"]', lines()[5])
      -- Neovim sends didChange by itself; the server must re-lint the edited text.
      local fresh = vim.wait(timeout, function()
        return published.count > before and #diagnostics_with('JsonInSingleQuotes') == 0
      end, 5)
      check('the finding disappears after the edit', fresh, published.diagnostics)
    end
  end

  -- 5. Whole-document formatting: keyword case, continuation indent, heredoc body untouched.
  local edits, ferr = request('textDocument/formatting',
    { textDocument = { uri = uri }, options = { tabSize = 4, insertSpaces = true } })
  if check('formatting answers with edits', ferr == nil and type(edits) == 'table' and #edits > 0, { err = ferr, edits = edits }) then
    vim.lsp.util.apply_text_edits(edits, buf, encoding)
  end
  local expected = vim.fn.json_decode(os.getenv('DFC_E2E_EXPECTED') or 'null')
  check('buffer text after fix and formatting', vim.deep_equal(lines(), expected), { got = lines(), want = expected })
  vim.cmd('silent write')

  -- 6. A settings change: the server re-lints the open buffer with the rule turned off.
  local remaining = published.diagnostics and published.diagnostics[1]
  if check('some diagnostic is left to turn off', remaining ~= nil, published.diagnostics) then
    local code = remaining.code
    local before = published.count
    client().notify('workspace/didChangeConfiguration',
      { settings = { dfc = { lint = { severityOverrides = { [code] = 'off' }, shellcheck = false, configFile = '' } } } })
    local gone = vim.wait(timeout, function()
      return published.count > before and #diagnostics_with(code) == 0
    end, 5)
    check('didChangeConfiguration turns ' .. tostring(code) .. ' off', gone, published.diagnostics)
  end

  -- 7. A clean shutdown: the server answers shutdown and exits.
  vim.lsp.stop_client(client_id)
  check('server shuts down', vim.wait(timeout, function() return client() == nil end, 10))
end)
if not ok_run then check('script ran without Lua errors', false, err) end
report_and_quit()
