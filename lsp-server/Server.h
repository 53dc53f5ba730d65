// The language server: JSON-RPC method dispatch, the open documents, text sync, cancellation and
// the LSP lifecycle. Maps requests onto the feature functions in Features.h.
#pragma once

#include "lsp-server/Features.h"
#include "lsp-server/Transport.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace dfc::lsp {

struct ServerOptions {
  // Lint configuration for a file path: `configFile` when the editor names one, else the nearest
  // `.dfc.yaml`/`.hadolint.yaml` (the lookup lives in the CLI). Sets `error` ("file:line:col: ...")
  // and returns the defaults when the file cannot be read. null = defaults.
  std::function<lint::Config(const std::string &path, const std::string &configFile, std::string &error)>
      configFor;
  RuleDocLookup ruleDoc;   // null = rule summaries only
  std::string ruleDocsUrl; // prefix for codeDescription links; empty = none
  std::string version = "0.0.0";
  // The local image store (read by the CLI; null = none): the tagged images for FROM completion
  // and the image a FROM name means for hover. Expected to be cheap (cached by the caller).
  std::function<std::vector<LocalImage>()> localImages;
  ImageLookup findImage;
  // ShellCheck's findings for an analysed text (the CLI runs the tool; null = none). Called on a
  // worker thread, never while a request waits; it should return early once `stop()` is true.
  std::function<std::vector<lint::Finding>(const SyntaxTree &, const Program &, const lint::Config &,
                                           const std::function<bool()> &stop)>
      shellCheck;
};

class Server {
public:
  using Send = std::function<void(const std::string &body)>;
  Server(ServerOptions opts, Send send);
  ~Server();

  // Handles one message body. Returns false once `exit` has been received.
  bool handle(const std::string &body);
  // Reports a message whose header block could not be read.
  void badHeader();
  // Marks a request id (its JSON text) cancelled; safe from another thread.
  void cancel(const std::string &idText);

  // Reads messages from `transport` until `exit` or end of input; returns the process exit code
  // (0 after shutdown + exit, 1 otherwise, as LSP asks).
  int run(Transport &transport);

  bool shutdownRequested() const { return ShutdownRequested; }

private:
  using Handler = void (Server::*)(const nlohmann::json &params, const nlohmann::json *id);
  void reply(const nlohmann::json &id, nlohmann::json result);
  void replyError(const nlohmann::json *id, int code, const std::string &message);
  void notify(const char *method, nlohmann::json params);
  void publishDiagnostics(const Document &doc);
  Document *document(const nlohmann::json &params, const nlohmann::json *id);
  // Resolves an LSP position in `doc`; replies InvalidParams and returns nullopt when it is bad.
  std::optional<uint32_t> offset(const Document &doc, const Position &p, const nlohmann::json *id);
  // The file's configuration with the editor's settings on top; problems go to the client's log.
  lint::Config configFor(const std::string &uri);
  // Reads settings from initializationOptions or didChangeConfiguration; false when absent.
  bool readSettings(const nlohmann::json &j);
  void logMessage(int type, const std::string &message);

  void onInitialize(const nlohmann::json &params, const nlohmann::json *id);
  void onInitialized(const nlohmann::json &params, const nlohmann::json *id);
  void onShutdown(const nlohmann::json &params, const nlohmann::json *id);
  void onDidOpen(const nlohmann::json &params, const nlohmann::json *id);
  void onDidChange(const nlohmann::json &params, const nlohmann::json *id);
  void onDidClose(const nlohmann::json &params, const nlohmann::json *id);
  void onHover(const nlohmann::json &params, const nlohmann::json *id);
  void onCompletion(const nlohmann::json &params, const nlohmann::json *id);
  void onDefinition(const nlohmann::json &params, const nlohmann::json *id);
  void onReferences(const nlohmann::json &params, const nlohmann::json *id);
  void onDocumentHighlight(const nlohmann::json &params, const nlohmann::json *id);
  void onPrepareRename(const nlohmann::json &params, const nlohmann::json *id);
  void onRename(const nlohmann::json &params, const nlohmann::json *id);
  void onDocumentSymbol(const nlohmann::json &params, const nlohmann::json *id);
  void onFoldingRange(const nlohmann::json &params, const nlohmann::json *id);
  void onSemanticTokensFull(const nlohmann::json &params, const nlohmann::json *id);
  void onSemanticTokensRange(const nlohmann::json &params, const nlohmann::json *id);
  void onFormatting(const nlohmann::json &params, const nlohmann::json *id);
  void onRangeFormatting(const nlohmann::json &params, const nlohmann::json *id);
  void onTypeFormatting(const nlohmann::json &params, const nlohmann::json *id);
  void onCodeAction(const nlohmann::json &params, const nlohmann::json *id);
  void onInlayHint(const nlohmann::json &params, const nlohmann::json *id);
  void onSignatureHelp(const nlohmann::json &params, const nlohmann::json *id);
  void onCancel(const nlohmann::json &params, const nlohmann::json *id);
  void onDidChangeConfiguration(const nlohmann::json &params, const nlohmann::json *id);

  // ShellCheck, when the editor's settings turn it on: the latest version of each document goes
  // to a worker thread; its findings join that version's diagnostics when they arrive (run()
  // wakes the main thread for them), and are dropped once the text changes.
  struct ShellCheckWork;
  struct ShellChecked {
    int version = 0;
    std::vector<Diagnostic> diagnostics;
  };
  void requestShellCheck(const Document &doc);
  void takeShellCheckResults();
  void stopShellCheck();
  std::shared_ptr<ShellCheckWork> Work;
  std::thread Worker;
  std::map<std::string, ShellChecked> ShellCheckResults; // by uri
  std::function<void()> Wake;                            // set while run() runs

  ServerOptions Opts;
  Send Out;
  std::map<std::string, Handler> Requests, Notifications;
  std::map<std::string, std::unique_ptr<Document>> Docs;
  std::map<std::string, lint::Config> Configs; // by uri, read on open and on settings changes
  EditorSettings Settings = [] {
    EditorSettings s;
    s.shellcheck = false; // until the editor's settings ask for it
    return s;
  }();
  std::set<std::string> ReportedConfigErrors;  // logged once each, not on every re-read
  std::set<std::string> Stale;                 // changed but not yet re-analysed
  bool Initialized = false, ShutdownRequested = false, Exited = false;
  std::mutex CancelLock;
  std::set<std::string> Cancelled;
  // Set by run(): whether a later didChange for this uri is already queued (then the
  // diagnostics of this version would be stale before they arrive, so they are skipped).
  std::function<bool(const std::string &uri)> ChangePending;
};

// The file path of a `file://` URI (percent-decoded); "" for other schemes.
std::string uriToPath(const std::string &uri);

} // namespace dfc::lsp
