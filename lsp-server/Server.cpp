// Method dispatch and lifecycle. Every request gets exactly one reply: a result, or a JSON-RPC
// error for malformed JSON, unknown methods, unknown documents, bad positions or cancellation.
// Nothing a client sends may crash the loop: handler exceptions become errors here.
#include "lsp-server/Server.h"

#include "ir/passes/lint/Format.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <thread>
#include <utility>

namespace dfc::lsp {

std::string uriToPath(const std::string &uri) {
  llvm::StringRef u(uri);
  if (!u.consume_front("file://"))
    return {};
  std::string out;
  for (size_t i = 0; i < u.size(); ++i) {
    unsigned v;
    if (u[i] == '%' && i + 2 < u.size() && !u.substr(i + 1, 2).getAsInteger(16, v)) {
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(u[i]);
    }
  }
  return out;
}

Server::Server(ServerOptions opts, Send send) : Opts(std::move(opts)), Out(std::move(send)) {
  Requests = {
      {"initialize", &Server::onInitialize},
      {"shutdown", &Server::onShutdown},
      {"textDocument/hover", &Server::onHover},
      {"textDocument/completion", &Server::onCompletion},
      {"textDocument/definition", &Server::onDefinition},
      {"textDocument/references", &Server::onReferences},
      {"textDocument/documentHighlight", &Server::onDocumentHighlight},
      {"textDocument/prepareRename", &Server::onPrepareRename},
      {"textDocument/rename", &Server::onRename},
      {"textDocument/documentSymbol", &Server::onDocumentSymbol},
      {"textDocument/foldingRange", &Server::onFoldingRange},
      {"textDocument/semanticTokens/full", &Server::onSemanticTokensFull},
      {"textDocument/semanticTokens/range", &Server::onSemanticTokensRange},
      {"textDocument/formatting", &Server::onFormatting},
      {"textDocument/rangeFormatting", &Server::onRangeFormatting},
      {"textDocument/onTypeFormatting", &Server::onTypeFormatting},
      {"textDocument/codeAction", &Server::onCodeAction},
      {"textDocument/inlayHint", &Server::onInlayHint},
      {"textDocument/signatureHelp", &Server::onSignatureHelp},
  };
  Notifications = {
      {"initialized", &Server::onInitialized},
      {"textDocument/didOpen", &Server::onDidOpen},
      {"textDocument/didChange", &Server::onDidChange},
      {"textDocument/didClose", &Server::onDidClose},
      {"$/cancelRequest", &Server::onCancel},
      {"workspace/didChangeConfiguration", &Server::onDidChangeConfiguration},
  };
}

// Shared with the ShellCheck worker thread: jobs in (the latest text per document), results out.
struct Server::ShellCheckWork {
  struct Job {
    int version = 0;
    std::string text;
    lint::Config config;
  };
  struct Result {
    std::string uri;
    int version = 0;
    std::vector<Diagnostic> diagnostics;
  };
  std::mutex lock;
  std::condition_variable ready;
  std::map<std::string, Job> jobs; // by uri
  std::vector<Result> results;
  bool stop = false;
};

Server::~Server() { stopShellCheck(); }

void Server::stopShellCheck() {
  if (!Work)
    return;
  {
    std::lock_guard<std::mutex> l(Work->lock);
    Work->stop = true;
  }
  Work->ready.notify_all();
  if (Worker.joinable())
    Worker.join(); // the tool callback stops between RUN bodies
  Work.reset();
}

void Server::requestShellCheck(const Document &doc) {
  if (!Opts.shellCheck || !Settings.shellcheck || !Wake)
    return;
  if (!Work) {
    Work = std::make_shared<ShellCheckWork>();
    Worker = std::thread([w = Work, check = Opts.shellCheck, url = Opts.ruleDocsUrl, wake = Wake] {
      auto stopped = [&] {
        std::lock_guard<std::mutex> l(w->lock);
        return w->stop;
      };
      for (;;) {
        std::string uri;
        ShellCheckWork::Job job;
        {
          std::unique_lock<std::mutex> l(w->lock);
          w->ready.wait(l, [&] { return w->stop || !w->jobs.empty(); });
          if (w->stop)
            return;
          auto it = w->jobs.begin();
          uri = it->first;
          job = std::move(it->second);
          w->jobs.erase(it);
        }
        // Its own analysis of that version's text, so finding ranges convert as in the editor.
        Document d(uri, job.version, std::move(job.text));
        d.analyze(job.config);
        std::vector<Diagnostic> diags =
            toDiagnostics(d, check(d.tree(), d.program(), job.config, stopped), url);
        {
          std::lock_guard<std::mutex> l(w->lock);
          if (w->stop)
            return;
          w->results.push_back({uri, job.version, std::move(diags)});
        }
        wake();
      }
    });
  }
  {
    std::lock_guard<std::mutex> l(Work->lock);
    Work->jobs[doc.uri()] = {doc.version(), doc.text(), Configs[doc.uri()]};
  }
  Work->ready.notify_one();
}

void Server::takeShellCheckResults() {
  if (!Work)
    return;
  std::vector<ShellCheckWork::Result> results;
  {
    std::lock_guard<std::mutex> l(Work->lock);
    results.swap(Work->results);
  }
  for (ShellCheckWork::Result &r : results) {
    auto it = Docs.find(r.uri);
    // A result for an older text is dropped: its ranges no longer fit, a newer job is queued.
    if (it == Docs.end() || it->second->version() != r.version || Stale.count(r.uri) || !Settings.shellcheck)
      continue;
    ShellCheckResults[r.uri] = {r.version, std::move(r.diagnostics)};
    publishDiagnostics(*it->second);
  }
}

void Server::reply(const json &id, json result) {
  Out(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}.dump(
      -1, ' ', false, json::error_handler_t::replace));
}

void Server::replyError(const json *id, int code, const std::string &message) {
  json msg{{"jsonrpc", "2.0"},
           {"id", id ? *id : json(nullptr)},
           {"error", {{"code", code}, {"message", message}}}};
  Out(msg.dump(-1, ' ', false, json::error_handler_t::replace));
}

void Server::notify(const char *method, json params) {
  Out(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}}.dump(
      -1, ' ', false, json::error_handler_t::replace));
}

void Server::cancel(const std::string &idText) {
  std::lock_guard<std::mutex> lock(CancelLock);
  Cancelled.insert(idText);
}

void Server::badHeader() { replyError(nullptr, ParseError, "message without a valid Content-Length header"); }

bool Server::handle(const std::string &body) {
  if (Exited)
    return false;
  json msg = json::parse(body, nullptr, false);
  if (msg.is_discarded()) {
    replyError(nullptr, ParseError, "malformed JSON");
    return true;
  }
  const json *id = nullptr;
  if (msg.is_object() && msg.contains("id")) {
    const json &i = msg["id"];
    if (i.is_string() || i.is_number_integer())
      id = &i;
  }
  if (!msg.is_object() || !msg.contains("method") || !msg["method"].is_string()) {
    // A response to something we sent (we send no requests) is ignored; anything else is invalid.
    if (msg.is_object() && (msg.contains("result") || msg.contains("error")))
      return true;
    replyError(id, InvalidRequest, "not a JSON-RPC request or notification");
    return true;
  }
  if (msg.contains("id") && !id) {
    replyError(nullptr, InvalidRequest, "request id must be a string or an integer");
    return true;
  }
  std::string method = msg["method"].get<std::string>();
  static const json emptyParams = json::object();
  const json &params = msg.contains("params") ? msg["params"] : emptyParams;

  if (method == "exit") {
    Exited = true;
    return false;
  }
  if (id) {
    {
      std::lock_guard<std::mutex> lock(CancelLock);
      if (Cancelled.erase(id->dump())) {
        replyError(id, RequestCancelled, "request cancelled");
        return true;
      }
    }
    auto it = Requests.find(method);
    if (it == Requests.end()) {
      replyError(id, MethodNotFound, "method not found: " + method);
      return true;
    }
    if (!Initialized && method != "initialize") {
      replyError(id, ServerNotInitialized, "the server is not initialized");
      return true;
    }
    if (ShutdownRequested) {
      replyError(id, InvalidRequest, "the server is shutting down");
      return true;
    }
    try {
      (this->*it->second)(params, id);
    } catch (const json::exception &e) {
      replyError(id, InvalidParams, std::string("invalid params: ") + e.what());
    } catch (const std::exception &e) {
      replyError(id, InternalError, e.what());
    }
    return true;
  }
  auto it = Notifications.find(method);
  if (it == Notifications.end() || (!Initialized && method != "$/cancelRequest"))
    return true; // unknown notifications (and `$/` ones) are dropped, as the spec says
  try {
    (this->*it->second)(params, nullptr);
  } catch (const std::exception &e) {
    notify("window/logMessage", {{"type", 1}, {"message", std::string("dfc: ") + method + ": " + e.what()}});
  }
  return true;
}

int Server::run(Transport &transport) {
  // Shared with the reader thread, which may outlive this call (it is detached when it still sits
  // in read()), so it must not live on this stack.
  struct Queue {
    std::mutex lock;
    std::condition_variable ready;
    std::deque<std::optional<std::string>> messages; // nullopt = a bad header
    bool done = false;
    bool shellCheckDone = false; // the ShellCheck worker has results
  };
  auto q = std::make_shared<Queue>();
  Wake = [q] {
    {
      std::lock_guard<std::mutex> l(q->lock);
      q->shellCheckDone = true;
    }
    q->ready.notify_one();
  };
  ChangePending = [q](const std::string &uri) {
    std::lock_guard<std::mutex> l(q->lock);
    for (const auto &m : q->messages)
      if (m && m->find("textDocument/didChange") != std::string::npos && m->find(uri) != std::string::npos)
        return true;
    return false;
  };
  std::thread reader([this, q, &transport] {
    for (;;) {
      std::string body;
      Transport::ReadStatus st = transport.read(body);
      if (st == Transport::ReadStatus::EndOfInput)
        break;
      // Cancellations take effect at once, even while the main thread is busy.
      // (Only small messages can be these; a document's text may contain the same words.)
      if (st == Transport::ReadStatus::Message && body.size() < 512 &&
          body.find("$/cancelRequest") != std::string::npos) {
        json m = json::parse(body, nullptr, false);
        if (!m.is_discarded() && m.is_object() && m.contains("params") && m["params"].is_object() &&
            m["params"].contains("id"))
          cancel(m["params"]["id"].dump());
        continue;
      }
      bool exit = false;
      if (st == Transport::ReadStatus::Message && body.size() < 512 &&
          body.find("\"exit\"") != std::string::npos) {
        json m = json::parse(body, nullptr, false);
        exit = !m.is_discarded() && m.is_object() && m.value("method", "") == "exit";
      }
      {
        std::lock_guard<std::mutex> l(q->lock);
        if (st == Transport::ReadStatus::BadHeader)
          q->messages.emplace_back(std::nullopt);
        else
          q->messages.emplace_back(std::move(body));
      }
      q->ready.notify_one();
      if (exit)
        break; // stop reading: the client may keep the pipe open after `exit`
    }
    std::lock_guard<std::mutex> l(q->lock);
    q->done = true;
    q->ready.notify_one();
  });
  for (;;) {
    std::optional<std::string> next;
    bool results = false;
    {
      std::unique_lock<std::mutex> l(q->lock);
      q->ready.wait(l, [&] { return !q->messages.empty() || q->done || q->shellCheckDone; });
      results = std::exchange(q->shellCheckDone, false);
      if (!results) {
        if (q->messages.empty())
          break;
        next = std::move(q->messages.front());
        q->messages.pop_front();
      }
    }
    if (results) {
      takeShellCheckResults();
      continue;
    }
    if (!next) {
      badHeader();
      continue;
    }
    if (!handle(*next))
      break;
  }
  ChangePending = nullptr;
  stopShellCheck();
  Wake = nullptr;
  // After `exit` the reader stops by itself right after queueing it; wait for that briefly, and
  // detach only a reader that still sits in read() (an `exit` it did not recognise).
  {
    std::unique_lock<std::mutex> l(q->lock);
    q->ready.wait_for(l, std::chrono::milliseconds(200), [&] { return q->done; });
    if (q->done) {
      l.unlock();
      reader.join();
    } else {
      reader.detach();
    }
  }
  return Exited && ShutdownRequested ? 0 : 1;
}

void Server::logMessage(int type, const std::string &message) {
  notify("window/logMessage", {{"type", type}, {"message", "dfc: " + message}});
}

lint::Config Server::configFor(const std::string &uri) {
  lint::Config c;
  if (Opts.configFor) {
    std::string error;
    c = Opts.configFor(uriToPath(uri), Settings.configFile, error);
    if (!error.empty() && ReportedConfigErrors.insert(error).second)
      logMessage(1, error + " (lint configuration ignored)");
  }
  for (const auto &[rule, sev] : Settings.severityOverrides) {
    if (sev == "off") {
      c.ignored.insert(rule);
      continue;
    }
    // An explicit severity in the editor turns a rule the file ignores back on.
    c.ignored.erase(rule);
    if (std::optional<Severity> s = lint::parseSeverity(sev))
      c.overrides[rule] = *s;
  }
  // Both the config file and the editor may turn ShellCheck off; it runs on a worker thread
  // (requestShellCheck), never in the analysis that answers requests.
  c.shellcheck = c.shellcheck && Settings.shellcheck;
  return c;
}

bool Server::readSettings(const json &j) {
  std::vector<std::string> problems;
  EditorSettings s;
  if (!fromJSON(j, s, problems))
    return false;
  for (const std::string &p : problems)
    logMessage(2, "settings: " + p + " (entry ignored)");
  Settings = std::move(s);
  return true;
}

Document *Server::document(const json &params, const json *id) {
  std::string uri;
  if (!documentUri(params, uri)) {
    if (id)
      replyError(id, InvalidParams, "missing textDocument.uri");
    return nullptr;
  }
  auto it = Docs.find(uri);
  if (it == Docs.end()) {
    if (id)
      replyError(id, InvalidParams, "document not open: " + uri);
    return nullptr;
  }
  if (Stale.erase(uri))
    it->second->analyze(Configs[uri]);
  return it->second.get();
}

std::optional<uint32_t> Server::offset(const Document &doc, const Position &p, const json *id) {
  std::optional<uint32_t> off = doc.offsetOf(p);
  if (!off && id)
    replyError(id, InvalidParams,
               "position " + std::to_string(p.line) + ":" + std::to_string(p.character) +
                   " is outside the document");
  return off;
}

void Server::publishDiagnostics(const Document &doc) {
  PublishDiagnosticsParams p;
  p.uri = doc.uri();
  p.version = doc.version();
  p.diagnostics = diagnostics(doc, Opts.ruleDocsUrl);
  auto sc = ShellCheckResults.find(doc.uri());
  if (sc != ShellCheckResults.end() && sc->second.version == doc.version() &&
      !sc->second.diagnostics.empty()) {
    p.diagnostics.insert(p.diagnostics.end(), sc->second.diagnostics.begin(), sc->second.diagnostics.end());
    std::stable_sort(p.diagnostics.begin(), p.diagnostics.end(),
                     [](const Diagnostic &a, const Diagnostic &b) { return a.range.start < b.range.start; });
  }
  Out(publishDiagnosticsMessage(p));
}

void Server::onInitialize(const json &params, const json *id) {
  Initialized = true;
  if (params.is_object() && params.contains("initializationOptions"))
    readSettings(params["initializationOptions"]);
  json caps = {
      {"textDocumentSync", {{"openClose", true}, {"change", 2}}},
      {"hoverProvider", true},
      {"completionProvider",
       {{"triggerCharacters", {"-", "=", "$", "{", ",", "#"}}, {"resolveProvider", false}}},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"documentHighlightProvider", true},
      {"renameProvider", {{"prepareProvider", true}}},
      {"documentSymbolProvider", true},
      {"foldingRangeProvider", true},
      {"semanticTokensProvider",
       {{"legend", {{"tokenTypes", semanticTokenTypes()}, {"tokenModifiers", semanticTokenModifiers()}}},
        {"full", true},
        {"range", true}}},
      {"documentFormattingProvider", true},
      {"documentRangeFormattingProvider", true},
      {"documentOnTypeFormattingProvider", {{"firstTriggerCharacter", "\n"}}},
      {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
      {"inlayHintProvider", true},
      {"signatureHelpProvider", {{"triggerCharacters", {" "}}}},
  };
  reply(*id,
        {{"capabilities", std::move(caps)}, {"serverInfo", {{"name", "dfc"}, {"version", Opts.version}}}});
}

// The first analysis in a process pays one-time costs (static tables, the ANTLR parsers' decision
// caches, the allocator growing): pay them here, on a small file, before the first document opens.
void Server::onInitialized(const json &, const json *) {
  static const char *const warmUp = "# syntax=docker/dockerfile:1\n"
                                    "ARG BASE=alpine:3.19\n"
                                    "FROM $BASE AS build\n"
                                    "ENV A=1 B=\"two words\"\n"
                                    "LABEL org.opencontainers.image.title=\"x\"\n"
                                    "RUN apt-get update && apt-get install -y curl && pip install x\n"
                                    "COPY --chown=1:1 . /src\n"
                                    "WORKDIR /src\n"
                                    "FROM scratch\n"
                                    "COPY --from=build /src /\n"
                                    "EXPOSE 80/tcp\n"
                                    "CMD [\"/app\"]\n";
  Document d("file:///warm-up/Dockerfile", 0, warmUp);
  d.analyze(lint::Config{});
  (void)diagnostics(d, Opts.ruleDocsUrl);
}

void Server::onShutdown(const json &, const json *id) {
  ShutdownRequested = true;
  reply(*id, nullptr);
}

void Server::onCancel(const json &params, const json *) {
  if (params.is_object() && params.contains("id"))
    cancel(params["id"].dump());
}

// New settings: every open document gets its configuration again (a config file may also have
// changed on disk) and fresh diagnostics.
void Server::onDidChangeConfiguration(const json &params, const json *) {
  if (!params.is_object() || !params.contains("settings") || !readSettings(params["settings"]))
    return; // e.g. `settings: null` from clients that expect a workspace/configuration pull
  ReportedConfigErrors.clear();
  ShellCheckResults.clear(); // made with the old configuration
  for (auto &[uri, doc] : Docs) {
    Configs[uri] = configFor(uri);
    Stale.erase(uri);
    doc->analyze(Configs[uri]);
    publishDiagnostics(*doc);
    doc->dropPrevious();
    requestShellCheck(*doc);
  }
}

void Server::onDidOpen(const json &params, const json *) {
  TextDocumentItem item;
  if (!fromJSON(params, item))
    return;
  auto doc = std::make_unique<Document>(item.uri, item.version, std::move(item.text));
  Configs[item.uri] = configFor(item.uri);
  doc->analyze(Configs[item.uri]);
  publishDiagnostics(*doc);
  requestShellCheck(*doc);
  Docs[item.uri] = std::move(doc);
}

void Server::onDidChange(const json &params, const json *) {
  DidChangeParams p;
  if (!fromJSON(params, p))
    return;
  auto it = Docs.find(p.uri);
  if (it == Docs.end())
    return;
  Document &doc = *it->second;
  for (const ContentChange &c : p.changes)
    if (!doc.applyChange(c.range, c.text, p.version))
      notify("window/logMessage",
             {{"type", 1}, {"message", "dfc: didChange range outside the document; change ignored"}});
  if (ChangePending && ChangePending(p.uri)) {
    Stale.insert(p.uri); // a newer version is queued: analyse that one instead
    return;
  }
  Stale.erase(p.uri);
  doc.analyze(Configs[p.uri]);
  publishDiagnostics(doc);
  doc.dropPrevious();
  requestShellCheck(doc);
}

void Server::onDidClose(const json &params, const json *) {
  std::string uri;
  if (!documentUri(params, uri))
    return;
  Docs.erase(uri);
  Configs.erase(uri);
  ShellCheckResults.erase(uri);
  if (Work) {
    std::lock_guard<std::mutex> l(Work->lock);
    Work->jobs.erase(uri);
  }
  notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", json::array()}});
}

// A queued didChange skips analysis; requests must see the latest text, so analyse on demand.
#define DFC_POSITION_REQUEST(Params)                                                                         \
  Params p;                                                                                                  \
  if (!fromJSON(params, p))                                                                                  \
    return replyError(id, InvalidParams, "invalid " #Params);                                                \
  Document *doc = document(params, id);                                                                      \
  if (!doc)                                                                                                  \
    return;                                                                                                  \
  std::optional<uint32_t> off = offset(*doc, p.position, id);                                                \
  if (!off)                                                                                                  \
    return;

void Server::onHover(const json &params, const json *id) {
  DFC_POSITION_REQUEST(PositionParams)
  std::optional<Hover> h = hover(*doc, *off, Opts.ruleDoc, Opts.findImage);
  reply(*id, h ? json(*h) : json(nullptr));
}

void Server::onCompletion(const json &params, const json *id) {
  DFC_POSITION_REQUEST(PositionParams)
  // The store is read only where an image name can go (it is cached, but not free).
  std::vector<LocalImage> images;
  if (Opts.localImages)
    if (std::optional<InstructionSite> s = doc->instructionAt(*off); s && s->isFrom())
      images = Opts.localImages();
  reply(*id, completion(*doc, *off, images));
}

void Server::onDefinition(const json &params, const json *id) {
  DFC_POSITION_REQUEST(PositionParams)
  reply(*id, definition(*doc, *off));
}

void Server::onReferences(const json &params, const json *id) {
  DFC_POSITION_REQUEST(PositionParams)
  bool decl = true;
  if (params.contains("context") && params["context"].is_object() &&
      params["context"].contains("includeDeclaration") &&
      params["context"]["includeDeclaration"].is_boolean())
    decl = params["context"]["includeDeclaration"].get<bool>();
  reply(*id, references(*doc, *off, decl));
}

void Server::onDocumentHighlight(const json &params, const json *id) {
  DFC_POSITION_REQUEST(PositionParams)
  reply(*id, documentHighlights(*doc, *off));
}

void Server::onPrepareRename(const json &params, const json *id) {
  DFC_POSITION_REQUEST(PositionParams)
  std::optional<Range> r = renameRange(*doc, *off);
  reply(*id, r ? json(*r) : json(nullptr));
}

void Server::onRename(const json &params, const json *id) {
  DFC_POSITION_REQUEST(RenameParams)
  WorkspaceEdit edit;
  std::string error;
  if (!rename(*doc, *off, p.newName, edit, error))
    return replyError(id, InvalidParams, error);
  reply(*id, edit);
}

void Server::onDocumentSymbol(const json &params, const json *id) {
  if (Document *doc = document(params, id))
    reply(*id, documentSymbols(*doc));
}

void Server::onFoldingRange(const json &params, const json *id) {
  if (Document *doc = document(params, id))
    reply(*id, foldingRanges(*doc));
}

void Server::onSemanticTokensFull(const json &params, const json *id) {
  if (Document *doc = document(params, id))
    reply(*id, {{"data", semanticTokens(*doc, std::nullopt)}});
}

void Server::onSemanticTokensRange(const json &params, const json *id) {
  RangeParams p;
  if (!fromJSON(params, p) || !p.range)
    return replyError(id, InvalidParams, "invalid range");
  if (Document *doc = document(params, id))
    reply(*id, {{"data", semanticTokens(*doc, p.range)}});
}

void Server::onFormatting(const json &params, const json *id) {
  FormattingParams p;
  if (!fromJSON(params, p))
    return replyError(id, InvalidParams, "invalid formatting params");
  if (Document *doc = document(params, id))
    reply(*id, formatDocument(*doc, p.options, std::nullopt));
}

void Server::onRangeFormatting(const json &params, const json *id) {
  FormattingParams p;
  if (!fromJSON(params, p) || !p.range)
    return replyError(id, InvalidParams, "invalid range formatting params");
  if (Document *doc = document(params, id))
    reply(*id, formatDocument(*doc, p.options, p.range));
}

void Server::onTypeFormatting(const json &params, const json *id) {
  FormattingParams p;
  if (!fromJSON(params, p) || !p.position)
    return replyError(id, InvalidParams, "invalid onTypeFormatting params");
  Document *doc = document(params, id);
  if (!doc || !offset(*doc, *p.position, id))
    return;
  reply(*id, formatOnType(*doc, *p.position, p.options));
}

void Server::onCodeAction(const json &params, const json *id) {
  CodeActionParams p;
  if (!fromJSON(params, p))
    return replyError(id, InvalidParams, "invalid codeAction params");
  Document *doc = document(params, id);
  if (!doc || !offset(*doc, p.range.start, id))
    return;
  json actions = json::array();
  for (const CodeAction &a : codeActions(*doc, p.range, Opts.ruleDocsUrl))
    actions.push_back(a);
  reply(*id, std::move(actions));
}

void Server::onInlayHint(const json &params, const json *id) {
  RangeParams p;
  if (!fromJSON(params, p) || !p.range)
    return replyError(id, InvalidParams, "invalid inlayHint params");
  if (Document *doc = document(params, id))
    reply(*id, inlayHints(*doc, *p.range));
}

void Server::onSignatureHelp(const json &params, const json *id) {
  DFC_POSITION_REQUEST(PositionParams)
  std::optional<SignatureHelp> s = signatureHelp(*doc, *off);
  reply(*id, s ? json(*s) : json(nullptr));
}

} // namespace dfc::lsp
