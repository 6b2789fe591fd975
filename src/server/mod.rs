//! `trustlint server`: a language server over standard input and output (docs/editors.md).
//!
//! The main loop answers the client at once and never runs a scan: the lint worker
//! ([`worker`]) runs the same lint library as `trustlint check` (each file's
//! `trustlint.toml` included), with the open buffers' texts in memory, one run at a time:
//! - a **fast pass** over the edited buffers alone, [`DEBOUNCE`] after the last edit,
//!   without the rules that join files ([`trustlint_lint::JOINING_DOMAINS`], and any rule whose findings
//!   reached into another file in the last full run), whose findings on those files stay
//!   as the last full run found them;
//! - a **full run** over the workspace folders, [`FULL_PAUSE`] after the last change, so
//!   that cross-file rules see a pipeline and the trust policies it links to together;
//!   the worker's [`trustlint_lint::Session`] loads and checks again only the files that
//!   changed, and runs the rules that join files over the whole workspace.
//!
//! Changes made while a run goes on are checked together by the next one. When the client
//! tells of changes on disk (watched files), the full run is told which paths changed
//! (with the files saved and closed), and its session reads again only those, keeping
//! the last walk and configurations when they are files it checked
//! ([`trustlint_lint::Session::changed_on_disk`]); a client that cannot watch files gets
//! every file read again each full run. Diagnostics are published for every file with
//! findings, again only when they changed, and cleared when they disappear.

// lsp-types keys a workspace edit's changes by `Uri`, whose parsed form caches its parts
// in cells; the text behind it never changes, and neither do its hash and equality.
#![allow(clippy::mutable_key_type)]

mod convert;
mod features;
mod transport;
mod worker;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics,
    ShowMessage,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, RegisterCapability, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern,
    HoverProviderCapability, InitializeParams, LogMessageParams, MessageType,
    PublishDiagnosticsParams, Registration, RegistrationParams, SaveOptions, ServerCapabilities,
    ServerInfo, ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, WorkspaceFoldersServerCapabilities,
    WorkspaceServerCapabilities,
};
use serde::de::DeserializeOwned;
use trustlint_lint::LintRequest;

use self::convert::{path_to_uri, uri_to_path, Item};
use self::worker::{Checked, Job, Pass};

/// How long an edit waits for the next one before the fast pass checks it.
const DEBOUNCE: Duration = Duration::from_millis(25);
/// How long the workspace waits after the last change before it is checked whole: longer
/// than [`DEBOUNCE`], so that an edit's fast pass goes first.
const FULL_PAUSE: Duration = Duration::from_millis(30);

/// Runs the server on standard input and output until the client says `exit`.
pub fn run() -> Result<(), String> {
    let (connection, threads) =
        transport::stdio().map_err(|e| format!("cannot start the connection: {e}"))?;
    let result = serve(&connection);
    drop(connection);
    let joined = threads
        .join(result.is_ok())
        .map_err(|e| format!("the connection to the client failed: {e}"));
    result.and(joined)
}

fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp_types::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    };
    let (id, params) = connection
        .initialize_start()
        .map_err(|e| format!("initialization failed: {e}"))?;
    let params: InitializeParams = match serde_json::from_value(params) {
        Ok(params) => params,
        Err(error) => {
            let response = Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("invalid initialize parameters: {error}"),
            );
            let _ = connection.sender.send(response.into());
            return Err(format!("invalid initialize parameters: {error}"));
        }
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "trustlint".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| format!("initialization failed: {e}"))?;
    let (done, checked) = crossbeam_channel::unbounded();
    let jobs = worker::spawn(done).map_err(|e| format!("cannot start the lint worker: {e}"))?;
    let mut server = Server::new(connection, jobs, &params);
    server.watch_files(&params);
    server.main_loop(&checked)
}

/// An open document: its text as the editor has it.
#[derive(Debug)]
struct Buffer {
    text: String,
}

struct Server<'a> {
    connection: &'a Connection,
    jobs: Sender<Job>,
    /// The workspace folders, checked whole.
    roots: Vec<PathBuf>,
    buffers: HashMap<PathBuf, Buffer>,
    /// The texts the last run read (files on disk and buffers, as they were then).
    texts: HashMap<PathBuf, Arc<str>>,
    /// Whether the client tells of changes on disk (watched files): the full runs then
    /// read again only the files it told of ([`Server::disk_changed`]).
    watched: bool,
    /// The paths changed on disk (told by the watcher, saved, closed) since the last
    /// full run was asked.
    disk_changed: BTreeSet<PathBuf>,
    /// What was published last, per file.
    published: HashMap<PathBuf, Arc<[Item]>>,
    /// The files read as one of trustlint's kinds by the last full run.
    documents: HashSet<PathBuf>,
    /// The codes whose findings reached into another file in the last full run.
    joining: BTreeSet<String>,
    /// Edited buffers waiting for a fast pass, and when it is due.
    edited: BTreeSet<PathBuf>,
    fast_due: Option<Instant>,
    /// When the next full run is due.
    full_due: Option<Instant>,
    /// When the oldest change not yet checked arrived (for the log's latency).
    since: Option<Instant>,
    running: bool,
    shutdown: bool,
    /// The last error shown, so that a broken configuration is said once, not per keystroke.
    error: Option<String>,
    next_request: i32,
}

impl std::fmt::Debug for Server<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("roots", &self.roots)
            .field("open", &self.buffers.len())
            .finish_non_exhaustive()
    }
}

/// The workspace folders of the initialize request (the deprecated root URI and path
/// when it names none).
#[allow(deprecated)]
fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|folder| uri_to_path(&folder.uri))
        .collect();
    if roots.is_empty() {
        roots.extend(params.root_uri.as_ref().and_then(uri_to_path));
    }
    if roots.is_empty() {
        roots.extend(params.root_path.as_ref().map(PathBuf::from));
    }
    roots.retain(|root| root.is_dir());
    roots.sort();
    roots.dedup();
    roots
}

/// Parameters of a notification or request, or why they are not.
fn params<P: DeserializeOwned>(value: serde_json::Value) -> Result<P, String> {
    serde_json::from_value(value).map_err(|e| format!("invalid parameters: {e}"))
}

impl<'a> Server<'a> {
    fn new(connection: &'a Connection, jobs: Sender<Job>, params: &InitializeParams) -> Self {
        let roots = roots(params);
        Server {
            connection,
            jobs,
            full_due: (!roots.is_empty()).then(Instant::now),
            fast_due: None,
            edited: BTreeSet::new(),
            documents: HashSet::new(),
            joining: BTreeSet::new(),
            since: Some(Instant::now()),
            roots,
            buffers: HashMap::new(),
            texts: HashMap::new(),
            watched: false,
            disk_changed: BTreeSet::new(),
            published: HashMap::new(),
            running: false,
            shutdown: false,
            error: None,
            next_request: 0,
        }
    }

    /// Asks the client to tell of every change on disk, when it can.
    fn watch_files(&mut self, params: &InitializeParams) {
        let dynamic = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files)
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false);
        if !dynamic {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*".to_string()),
                kind: None,
            }],
        };
        let registration = Registration {
            id: "trustlint-watched-files".to_string(),
            method: DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        self.next_request += 1;
        let request = Request::new(
            RequestId::from(format!("trustlint-{}", self.next_request)),
            RegisterCapability::METHOD.to_string(),
            RegistrationParams {
                registrations: vec![registration],
            },
        );
        self.send(request.into());
        self.watched = true;
    }

    fn send(&self, message: Message) {
        // The client gone: the reader ends the loop.
        let _ = self.connection.sender.send(message);
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params).into());
    }

    fn log(&self, message: String) {
        self.notify::<LogMessage>(LogMessageParams {
            typ: MessageType::LOG,
            message,
        });
    }

    fn main_loop(&mut self, checked: &Receiver<Checked>) -> Result<(), String> {
        loop {
            if !self.running {
                self.start_due();
            }
            let next = [self.fast_due, self.full_due].into_iter().flatten().min();
            let wait = match next {
                Some(due) if !self.running => due.saturating_duration_since(Instant::now()),
                _ => Duration::from_secs(3600),
            };
            select! {
                recv(self.connection.receiver) -> message => {
                    let Ok(message) = message else {
                        return Err("the client closed the connection without `exit`".to_string());
                    };
                    if let Some(exit) = self.handle(message) {
                        return exit;
                    }
                }
                recv(checked) -> result => {
                    if let Ok(result) = result {
                        self.finished(result);
                    }
                }
                default(wait) => {}
            }
        }
    }

    /// Sends the run that is due, if any, to the worker: the fast pass over edited files
    /// first, then the full run.
    fn start_due(&mut self) {
        let now = Instant::now();
        if !self.edited.is_empty() && self.fast_due.is_some_and(|due| due <= now) {
            self.fast_due = None;
            let files: Vec<PathBuf> = std::mem::take(&mut self.edited).into_iter().collect();
            // The rules that join files need the workspace: the full run that follows
            // gives their findings.
            let ignore = trustlint_rules::meta::ALL
                .iter()
                .filter(|rule| !fast_rule(rule.code, &self.joining))
                .map(|rule| rule.code.to_string())
                .collect();
            let request = LintRequest {
                paths: files.clone(),
                texts: self.buffer_texts(),
                ignore,
                ..LintRequest::default()
            };
            self.send_job(request, Pass::Fast(files));
        } else if self.full_due.is_some_and(|due| due <= now) {
            self.full_due = None;
            self.edited.clear();
            self.fast_due = None;
            let mut request = LintRequest {
                paths: self.roots.clone(),
                texts: self.buffer_texts(),
                ..LintRequest::default()
            };
            for path in self.buffers.keys() {
                if !self.roots.iter().any(|root| path.starts_with(root)) {
                    request.paths.push(path.clone());
                }
            }
            if request.paths.is_empty() {
                self.publish(HashMap::new());
                return;
            }
            self.send_job(request, Pass::Full);
        }
    }

    /// A change on disk at `path`: told to the next full run when the client watches
    /// files.
    fn changed_on_disk(&mut self, path: PathBuf) {
        self.texts.remove(&path);
        if self.watched {
            self.disk_changed.insert(path);
        }
    }

    fn buffer_texts(&self) -> BTreeMap<PathBuf, String> {
        self.buffers
            .iter()
            .map(|(path, buffer)| (path.clone(), buffer.text.clone()))
            .collect()
    }

    fn send_job(&mut self, request: LintRequest, pass: Pass) {
        let asked = self.since.take().unwrap_or_else(Instant::now);
        let changed = (self.watched && pass == Pass::Full)
            .then(|| std::mem::take(&mut self.disk_changed).into_iter().collect());
        self.running = self
            .jobs
            .send(Job {
                request,
                asked,
                pass,
                changed,
            })
            .is_ok();
    }

    /// A change arrived: the full run is due after a pause (at once with `now`).
    fn changed(&mut self, now: bool) {
        let at = Instant::now();
        self.since.get_or_insert(at);
        self.full_due = Some(if now { at } else { at + FULL_PAUSE });
    }

    /// A buffer was edited: a fast pass over it is due after a short pause (when the
    /// last full run read it as one of trustlint's kinds), and the full run after it.
    fn edited(&mut self, path: PathBuf) {
        let at = Instant::now();
        if self.documents.contains(&path) {
            self.edited.insert(path);
            self.fast_due = Some(at + DEBOUNCE);
        }
        self.changed(false);
    }

    fn finished(&mut self, checked: Checked) {
        self.running = false;
        match (checked.result, checked.pass) {
            (Ok(run), Pass::Full) => {
                self.error = None;
                let files = run.findings.len();
                self.texts = run.texts;
                self.documents = run.documents;
                self.joining = run.joining;
                self.publish(run.findings);
                self.log(format!(
                    "trustlint: checked {} files ({} with findings; {} loaded and {} checked again) in {} ms, {} ms after the change",
                    self.texts.len(),
                    files,
                    run.redone.0,
                    run.redone.1,
                    checked.linted.as_millis(),
                    checked.asked.elapsed().as_millis()
                ));
            }
            (Ok(mut run), Pass::Fast(files)) => {
                for path in &files {
                    if let Some(text) = run.texts.remove(path) {
                        self.texts.insert(path.clone(), text);
                    }
                    let mut items: Vec<Item> = run
                        .findings
                        .remove(path)
                        .map(|items| items.to_vec())
                        .unwrap_or_default();
                    // The findings of the rules that join files stay as the last full run
                    // found them (without their edits, made for the text it read).
                    items.extend(
                        self.published
                            .get(path)
                            .iter()
                            .flat_map(|items| items.iter())
                            .filter(|item| !fast_code(item, &self.joining))
                            .map(|item| Item {
                                fix: None,
                                suppression: None,
                                ..item.clone()
                            }),
                    );
                    items.sort_by(|a, b| {
                        (a.diagnostic.range.start, a.diagnostic.range.end)
                            .cmp(&(b.diagnostic.range.start, b.diagnostic.range.end))
                    });
                    if self.published.get(path).map(|known| &known[..]) != Some(&items[..]) {
                        self.send_diagnostics(path, &items);
                    }
                    if items.is_empty() {
                        self.published.remove(path);
                    } else {
                        self.published.insert(path.clone(), items.into());
                    }
                }
                self.log(format!(
                    "trustlint: fast pass over {} edited files in {} ms, {} ms after the change",
                    files.len(),
                    checked.linted.as_millis(),
                    checked.asked.elapsed().as_millis()
                ));
            }
            (Err(message), _) => {
                if self.error.as_ref() != Some(&message) {
                    self.notify::<ShowMessage>(ShowMessageParams {
                        typ: MessageType::ERROR,
                        message: format!("trustlint: {message}"),
                    });
                }
                self.log(format!("trustlint: {message}"));
                self.error = Some(message);
            }
        }
    }

    /// Publishes the findings of every file whose findings changed, and clears the files
    /// that have none left.
    fn publish(&mut self, findings: HashMap<PathBuf, Arc<[Item]>>) {
        let cleared: Vec<PathBuf> = self
            .published
            .keys()
            .filter(|path| !findings.contains_key(*path))
            .cloned()
            .collect();
        for path in cleared {
            self.send_diagnostics(&path, &[]);
        }
        for (path, items) in &findings {
            let same = self
                .published
                .get(path)
                .is_some_and(|known| Arc::ptr_eq(known, items) || known == items);
            if !same {
                self.send_diagnostics(path, items);
            }
        }
        self.published = findings;
    }

    fn send_diagnostics(&self, path: &Path, items: &[Item]) {
        let Some(uri) = path_to_uri(path) else {
            return;
        };
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics: items.iter().map(|item| item.diagnostic.clone()).collect(),
            version: None,
        });
    }

    /// Handles one message; `Some` ends the loop (after `exit`).
    fn handle(&mut self, message: Message) -> Option<Result<(), String>> {
        match message {
            Message::Request(request) => {
                let response = self.request(request);
                self.send(response.into());
                None
            }
            Message::Notification(notification) => self.notification(notification),
            // Answers to our registration: nothing to do.
            Message::Response(_) => None,
        }
    }

    fn request(&mut self, request: Request) -> Response {
        let Request {
            id,
            method,
            params: value,
        } = request;
        if self.shutdown {
            return Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            );
        }
        let result = match method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                Ok(serde_json::Value::Null)
            }
            CodeActionRequest::METHOD => {
                params(value).map(|params| features::code_actions(self.view(), &params))
            }
            HoverRequest::METHOD => {
                params(value).map(|params| features::hover(self.view(), &params))
            }
            _ => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("unknown method `{method}`"),
                )
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => Response::new_err(id, ErrorCode::InvalidParams as i32, message),
        }
    }

    fn view(&self) -> features::View<'_> {
        features::View {
            buffers: &self.buffers,
            texts: &self.texts,
            published: &self.published,
        }
    }

    fn notification(&mut self, notification: Notification) -> Option<Result<(), String>> {
        let Notification {
            method,
            params: value,
        } = notification;
        let outcome = match method.as_str() {
            "exit" => {
                return Some(if self.shutdown {
                    Ok(())
                } else {
                    Err("`exit` before `shutdown`".to_string())
                })
            }
            DidOpenTextDocument::METHOD => params::<lsp_types::DidOpenTextDocumentParams>(value)
                .map(|params| {
                    if let Some(path) = uri_to_path(&params.text_document.uri) {
                        let text = params.text_document.text;
                        // Opened in the workspace as the last run read it, or as the file
                        // on disk that the first run reads: nothing to check again.
                        let same = match self.texts.get(&path) {
                            Some(read) => **read == *text,
                            None => std::fs::read_to_string(&path).is_ok_and(|disk| disk == text),
                        };
                        let in_roots = self.roots.iter().any(|root| path.starts_with(root));
                        if !(same && in_roots) {
                            self.changed(true);
                        }
                        self.buffers.insert(path, Buffer { text });
                    }
                }),
            DidChangeTextDocument::METHOD => {
                params::<lsp_types::DidChangeTextDocumentParams>(value).map(|params| {
                    let Some(path) = uri_to_path(&params.text_document.uri) else {
                        return;
                    };
                    // The server asks for whole texts; a client that sends ranges anyway
                    // has them applied in order.
                    let Some(buffer) = self.buffers.get_mut(&path) else {
                        return;
                    };
                    for change in params.content_changes {
                        match change.range {
                            None => buffer.text = change.text,
                            Some(range) => {
                                let start = convert::offset(&buffer.text, range.start);
                                let end = convert::offset(&buffer.text, range.end).max(start);
                                buffer.text.replace_range(start..end, &change.text);
                            }
                        }
                    }
                    self.edited(path);
                })
            }
            DidSaveTextDocument::METHOD => {
                params::<lsp_types::DidSaveTextDocumentParams>(value).map(|params| {
                    if let Some(path) = uri_to_path(&params.text_document.uri) {
                        self.changed_on_disk(path);
                    }
                    // A saved trustlint.toml changes the configuration of the files below it.
                    self.changed(true);
                })
            }
            DidCloseTextDocument::METHOD => {
                params::<lsp_types::DidCloseTextDocumentParams>(value).map(|params| {
                    if let Some(path) = uri_to_path(&params.text_document.uri) {
                        // The file on disk may differ from the buffer closed unsaved.
                        self.buffers.remove(&path);
                        self.changed_on_disk(path);
                        self.changed(true);
                    }
                })
            }
            DidChangeWatchedFiles::METHOD => {
                params::<DidChangeWatchedFilesParams>(value).map(|params| {
                    for change in params.changes {
                        if let Some(path) = uri_to_path(&change.uri) {
                            self.changed_on_disk(path);
                        }
                    }
                    self.changed(false);
                })
            }
            DidChangeWorkspaceFolders::METHOD => {
                params::<lsp_types::DidChangeWorkspaceFoldersParams>(value).map(|params| {
                    for removed in &params.event.removed {
                        if let Some(path) = uri_to_path(&removed.uri) {
                            self.roots.retain(|root| *root != path);
                        }
                    }
                    for added in &params.event.added {
                        if let Some(path) = uri_to_path(&added.uri) {
                            if path.is_dir() && !self.roots.contains(&path) {
                                self.roots.push(path);
                            }
                        }
                    }
                    self.changed(true);
                })
            }
            // `initialized`, `$/cancelRequest` (every request is answered at once), …
            _ => Ok(()),
        };
        if let Err(message) = outcome {
            self.log(format!("trustlint: `{method}`: {message}"));
        }
        None
    }
}

/// Whether the fast pass runs the rule of `code`: not one of a domain that joins files,
/// nor one whose findings reached into another file in the last full run.
fn fast_rule(code: &str, joining: &BTreeSet<String>) -> bool {
    !trustlint_lint::joins_files(code) && !joining.contains(code)
}

/// Whether the fast pass checks the finding's rule.
fn fast_code(item: &Item, joining: &BTreeSet<String>) -> bool {
    match &item.diagnostic.code {
        Some(lsp_types::NumberOrString::String(code)) => fast_rule(code, joining),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_pass_leaves_out_the_rules_that_join_files() {
        assert!(fast_rule("TL101", &BTreeSet::new()));
        assert!(!fast_rule("TL402", &BTreeSet::new()));
        assert!(!fast_rule("TL101", &BTreeSet::from(["TL101".to_string()])));
    }
}
