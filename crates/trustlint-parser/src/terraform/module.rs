//! A Terraform module: the `*.tf` files of one folder parsed as one text, whose
//! [`Segment`]s map every offset back to its own file, and the index of what each file
//! declares. [`FolderModules`] reads and parses a folder's module once per run, however
//! many of its files the run loads; each file's load then evaluates only what that file
//! declares (and what the module's other files attach to it), so a flat root of N files
//! costs N loads, not N² parses.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;

use crate::files::{FileText, RootedFiles};
use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::{FileId, Span};

/// Most files read into one module (the folder's first, by path; more are left out:
/// references into them stay symbolic).
pub const MAX_MODULE_FILES: usize = 4096;

/// One file of a module inside the text the module is parsed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub file: FileId,
    /// Where the file's text starts in the module text, and its length.
    pub start: usize,
    pub len: usize,
}

/// One file of a module, for [`Module::build`].
#[derive(Clone, Copy, Debug)]
pub struct ModuleFile<'t> {
    pub file: FileId,
    pub text: &'t str,
}

/// The two labels of a `resource "TYPE" "NAME"` or `data "TYPE" "NAME"` block.
pub fn labels(block: &Block) -> Option<(&str, &str)> {
    match block.labels.as_slice() {
        [kind, name] => Some((kind.as_str(), name.as_str())),
        _ => None,
    }
}

/// Whether a path names a Terraform HCL file (`*.tf`).
pub fn is_tf_name(path: &Path) -> bool {
    path.extension().and_then(|ext| ext.to_str()) == Some("tf")
}

/// A declaration: the file it is written in and the index of its block in the module
/// body.
#[derive(Clone, Copy, Debug)]
struct Declared {
    file: FileId,
    index: usize,
}

/// Declarations of one kind by name, each name's in module order.
type Names = HashMap<String, Vec<Declared>>;

/// The files of a module, parsed as one text, with the index of their declarations.
#[derive(Debug)]
pub struct Module {
    text: String,
    body: Body,
    segments: Vec<Segment>,
    /// The body structures of each segment (files are joined whole, so each file's
    /// structures are consecutive).
    structures: Vec<Range<usize>>,
    variables: Names,
    locals: Names,
    resources: HashMap<String, Names>,
    data: HashMap<String, Names>,
    /// Policy and attachment blocks by the roles and users they may name (`KIND`,
    /// `LABEL` of any `aws_iam_role.LABEL` / `aws_iam_user.LABEL` in their `role`,
    /// `user`, `roles` and `users`), in module order: a superset of what they attach to.
    attaching: HashMap<(String, String), Vec<usize>>,
    /// Whether some name is declared in more than one file: what a reference resolves to
    /// then depends on the file that reads it (its own declaration wins).
    ambiguous: bool,
    /// Per-module analyses the loader derives once (see `terraform::mod`).
    pub(crate) derived: OnceLock<Derived>,
}

/// What the loader derives once per module: for each policy document name, how many
/// files use it through their roles and policies without declaring it themselves, and
/// the documents other documents include (`source_policy_documents`, …).
#[derive(Debug, Default)]
pub(crate) struct Derived {
    pub used_by_files: HashMap<String, usize>,
    pub included: std::collections::HashSet<String>,
}

impl Module {
    /// The module of `files`, in the order given: those that parse alone (the others are
    /// left out), within [`MAX_MODULE_FILES`] and, in all, the size limit of one file (a
    /// file that doesn't fit in what the earlier ones left is left out). `None` when no
    /// file parses, or the files that parse alone don't parse together.
    pub fn build(files: &[ModuleFile<'_>], limits: &Limits) -> Option<Module> {
        Self::build_with(files, limits, 1)
    }

    /// [`Module::build`], parsing a large module's text in up to `threads` parts at once
    /// (each part at the offsets it has in the module, so the parts' structures join into
    /// one body).
    pub fn build_with(files: &[ModuleFile<'_>], limits: &Limits, threads: usize) -> Option<Module> {
        if files.len() > 1 {
            if let Some(module) = Self::build_joined(files, limits, threads) {
                return Some(module);
            }
        }
        let mut bodies = Vec::new();
        let members = fitting(files, limits, |file| {
            let body = parse(file.file, file.text, limits).ok();
            let parsed = body.is_some();
            bodies.extend(body);
            parsed
        });
        let (text, segments) = joined(&members);
        let body = match members.len() {
            0 => None,
            1 => bodies.pop(),
            // Files that parse alone parse together; if not, each is read alone.
            _ => hcl_edit::parser::parse_body(&text).ok(),
        };
        body.map(|body| Module::index(text, body, segments))
    }

    /// [`Module::build`] with one parse, of the joined text, when it shows that every
    /// file parses alone: a file that doesn't ends in an unfinished construct (block,
    /// string, heredoc, expression) that the next file's text finishes, so a structure of
    /// the joined text would straddle two files; only an unfinished `/*` comment would
    /// hide in the decor between structures, so a block comment there must not run from
    /// one file into the next (when that decor holds anything else than blanks and
    /// comments, the files with `/*` are parsed alone instead). `None` when it can't tell.
    fn build_joined(files: &[ModuleFile<'_>], limits: &Limits, threads: usize) -> Option<Module> {
        let members = fitting(files, limits, |_| true);
        let (text, segments) = joined(&members);
        let body = parse_in_parts(&text, &segments, threads, limits)?;
        let module = Module::index(text, body, segments);
        let commented = module.comment_crosses_files().unwrap_or_else(|| {
            members
                .iter()
                .filter(|m| m.text.contains("/*"))
                .any(|m| parse(m.file, m.text, limits).is_err())
        });
        (!module.straddles() && !commented).then_some(module)
    }

    /// Whether a structure of the body starts in one file and ends in another (or has no
    /// span).
    fn straddles(&self) -> bool {
        self.body.iter().any(|structure| {
            structure.span().is_none_or(|range| {
                self.segment_index(range.start)
                    != self.segment_index(range.end.saturating_sub(1).max(range.start))
            })
        })
    }

    /// Whether a block comment between the body's structures starts in one file and ends
    /// in another; `None` when a structure has no span or the text between them holds
    /// anything else than blanks and comments (or a comment left open).
    fn comment_crosses_files(&self) -> Option<bool> {
        let mut from = 0;
        for structure in self.body.iter() {
            let range = structure.span()?;
            if self.gap_comment_crosses(from, range.start)? {
                return Some(true);
            }
            from = range.end.max(from);
        }
        self.gap_comment_crosses(from, self.text.len())
    }

    /// [`Module::comment_crosses_files`] for the module text from `start` to `end`, text
    /// between structures.
    fn gap_comment_crosses(&self, start: usize, end: usize) -> Option<bool> {
        let gap = self.text.get(start..end)?;
        let mut at = 0;
        while let Some(rest) = gap.get(at..).filter(|rest| !rest.is_empty()) {
            let skipped = if rest.starts_with(['#']) || rest.starts_with("//") {
                rest.find('\n').unwrap_or(rest.len())
            } else if rest.starts_with("/*") {
                let length = rest.get(2..)?.find("*/")? + 4;
                let (first, last) = (start + at, start + at + length - 1);
                if self.segment_index(first) != self.segment_index(last) {
                    return Some(true);
                }
                length
            } else if rest.starts_with([' ', '\t', '\r', '\n']) {
                1
            } else {
                return None;
            };
            at += skipped;
        }
        Some(false)
    }

    /// The module of one file alone, already parsed.
    pub(crate) fn single(file: FileId, text: &str, body: Body) -> Module {
        let segment = Segment {
            file,
            start: 0,
            len: text.len(),
        };
        Module::index(text.to_string(), body, vec![segment])
    }

    fn index(text: String, body: Body, segments: Vec<Segment>) -> Module {
        let mut module = Module {
            text,
            body,
            structures: vec![0..0; segments.len()],
            segments,
            variables: HashMap::new(),
            locals: HashMap::new(),
            resources: HashMap::new(),
            data: HashMap::new(),
            attaching: HashMap::new(),
            ambiguous: false,
            derived: OnceLock::new(),
        };
        let mut declarations: Vec<(u8, String, String, Declared)> = Vec::new();
        let mut attaching = Vec::new();
        for (index, structure) in module.body.iter().enumerate() {
            let segment = structure
                .span()
                .and_then(|range| module.segment_index(range.start))
                .unwrap_or(0);
            if let Some(range) = module.structures.get_mut(segment) {
                if range.start == range.end {
                    *range = index..index + 1;
                } else {
                    range.end = index + 1;
                }
            }
            let Structure::Block(block) = structure else {
                continue;
            };
            let file = module.segments.get(segment).map_or(FileId(0), |s| s.file);
            let declared = Declared { file, index };
            match block.ident.as_str() {
                "variable" => {
                    if let (Some(name), Some(_)) =
                        (block.labels.first(), block.body.get_attribute("default"))
                    {
                        declarations.push((0, String::new(), name.to_string(), declared));
                    }
                }
                "locals" => {
                    for attribute in block.body.attributes() {
                        let name = attribute.key.as_str().to_string();
                        declarations.push((1, String::new(), name, declared));
                    }
                }
                "resource" | "data" => {
                    if let Some((kind, name)) = labels(block) {
                        let which = if block.ident.as_str() == "resource" {
                            2
                        } else {
                            3
                        };
                        declarations.push((which, kind.to_string(), name.to_string(), declared));
                        if which == 2 {
                            for target in attachment_candidates(kind, block) {
                                attaching.push((target, index));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (which, kind, name, declared) in declarations {
            let names = match which {
                0 => &mut module.variables,
                1 => &mut module.locals,
                2 => module.resources.entry(kind).or_default(),
                _ => module.data.entry(kind).or_default(),
            };
            let entries = names.entry(name).or_default();
            module.ambiguous |= entries.iter().any(|d| d.file != declared.file);
            entries.push(declared);
        }
        for (target, index) in attaching {
            let blocks = module.attaching.entry(target).or_default();
            if blocks.last() != Some(&index) {
                blocks.push(index);
            }
        }
        module
    }

    /// The module text (the files joined by newlines).
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn body(&self) -> &Body {
        &self.body
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether `file` is one of the module's files.
    pub fn has_file(&self, file: FileId) -> bool {
        self.segments.iter().any(|s| s.file == file)
    }

    /// The module's files and their texts, in module order.
    pub fn files(&self) -> impl Iterator<Item = ModuleFile<'_>> {
        self.segments.iter().map(|s| ModuleFile {
            file: s.file,
            text: self.text.get(s.start..s.start + s.len).unwrap_or_default(),
        })
    }

    /// Whether some name is declared in more than one file.
    pub fn ambiguous(&self) -> bool {
        self.ambiguous
    }

    fn segment_index(&self, offset: usize) -> Option<usize> {
        let after = self.segments.partition_point(|s| s.start <= offset);
        let index = after.checked_sub(1)?;
        let segment = self.segments.get(index)?;
        (offset <= segment.start + segment.len).then_some(index)
    }

    /// The segment a module offset falls in.
    pub fn segment_at(&self, offset: usize) -> Option<&Segment> {
        self.segment_index(offset)
            .and_then(|index| self.segments.get(index))
    }

    /// The file span of an hcl-edit span (in the file it falls in; `fallback` at the
    /// same offsets when it falls in none).
    pub fn span(&self, range: Range<usize>, fallback: FileId) -> Span {
        match self.segment_at(range.start) {
            Some(segment) => Span::new(
                segment.file,
                range.start - segment.start,
                range.end.saturating_sub(segment.start),
            ),
            None => Span::new(fallback, range.start, range.end),
        }
    }

    /// The text of one file of the module.
    pub fn file_text(&self, file: FileId) -> &str {
        self.segments
            .iter()
            .find(|s| s.file == file)
            .and_then(|s| self.text.get(s.start..s.start + s.len))
            .unwrap_or_default()
    }

    /// The blocks `file` writes, in order.
    pub fn blocks_of(&self, file: FileId) -> impl Iterator<Item = (usize, &Block)> {
        let range = self
            .segments
            .iter()
            .position(|s| s.file == file)
            .and_then(|i| self.structures.get(i).cloned())
            .unwrap_or(0..0);
        range.filter_map(|index| match self.body.get(index) {
            Some(Structure::Block(block)) => Some((index, block)),
            _ => None,
        })
    }

    /// The block at a body index.
    pub fn block(&self, index: usize) -> Option<&Block> {
        match self.body.get(index) {
            Some(Structure::Block(block)) => Some(block),
            _ => None,
        }
    }

    /// The file a block at a body index is written in.
    pub fn file_of(&self, index: usize) -> Option<FileId> {
        let segment = self.structures.iter().position(|r| r.contains(&index))?;
        self.segments.get(segment).map(|s| s.file)
    }

    /// The declaration `file` reads for a name: its own first one, else the module's
    /// first (files in module order).
    fn pick(entries: &[Declared], file: FileId) -> Option<Declared> {
        entries
            .iter()
            .find(|d| d.file == file)
            .or_else(|| entries.first())
            .copied()
    }

    /// The default of `variable "NAME"`, as `file` reads it.
    pub fn variable(&self, name: &str, file: FileId) -> Option<&Expression> {
        let declared = Self::pick(self.variables.get(name)?, file)?;
        Some(
            &self
                .block(declared.index)?
                .body
                .get_attribute("default")?
                .value,
        )
    }

    /// `local.NAME`, as `file` reads it.
    pub fn local(&self, name: &str, file: FileId) -> Option<&Expression> {
        let declared = Self::pick(self.locals.get(name)?, file)?;
        Some(&self.block(declared.index)?.body.get_attribute(name)?.value)
    }

    /// `resource "KIND" "NAME"`, as `file` reads it.
    pub fn resource(&self, kind: &str, name: &str, file: FileId) -> Option<&Block> {
        let declared = Self::pick(self.resources.get(kind)?.get(name)?, file)?;
        self.block(declared.index)
    }

    /// `data "KIND" "NAME"` with its name as the module holds it, as `file` reads it.
    pub fn data(&self, kind: &str, name: &str, file: FileId) -> Option<(&str, &Block)> {
        let (name, entries) = self.data.get(kind)?.get_key_value(name)?;
        let declared = Self::pick(entries, file)?;
        Some((name.as_str(), self.block(declared.index)?))
    }

    /// Whether `file` declares `IDENT "KIND" "NAME"` (`resource` or `data`).
    pub fn declares(&self, file: FileId, ident: &str, kind: &str, name: &str) -> bool {
        let kinds = match ident {
            "resource" => &self.resources,
            "data" => &self.data,
            _ => return false,
        };
        kinds
            .get(kind)
            .and_then(|names| names.get(name))
            .is_some_and(|entries| entries.iter().any(|d| d.file == file))
    }

    /// The body indexes of the policy and attachment blocks that may attach to
    /// `KIND "LABEL"` (a superset), in module order.
    pub fn attaching(&self, kind: &str, label: &str) -> &[usize] {
        self.attaching
            .get(&(kind.to_string(), label.to_string()))
            .map_or(&[], Vec::as_slice)
    }
}

/// The files of `files` a module holds, in order: those that `parses` (called in order,
/// once each, on the files that fit), within [`MAX_MODULE_FILES`] and the size limit of
/// one file in all (a file that doesn't fit in what the earlier ones left is left out).
fn fitting<'t>(
    files: &[ModuleFile<'t>],
    limits: &Limits,
    mut parses: impl FnMut(&ModuleFile<'t>) -> bool,
) -> Vec<ModuleFile<'t>> {
    let mut members: Vec<ModuleFile<'t>> = Vec::new();
    let mut room = limits.max_file_bytes;
    for file in files {
        if members.len() >= MAX_MODULE_FILES {
            break;
        }
        let fits = match members.len() {
            0 => file.text.len() <= room,
            _ => file.text.len() < room,
        };
        if fits && parses(file) {
            room = room.saturating_sub(file.text.len() + usize::from(!members.is_empty()));
            members.push(*file);
        }
    }
    members
}

/// Module texts smaller than this are parsed in one part.
const PART_BYTES: usize = 64 * 1024;

/// The body of a module's text, parsed in up to `threads` parts of whole files at once:
/// each part is parsed from a text that holds it at its own offsets (blanks before it),
/// so spans are the module's, and the parts' structures are joined in order. `None` when
/// a part doesn't parse.
fn parse_in_parts(
    text: &str,
    segments: &[Segment],
    threads: usize,
    limits: &Limits,
) -> Option<Body> {
    let parts = threads
        .min(text.len() / PART_BYTES)
        .min(segments.len())
        .max(1);
    if parts == 1 {
        return hcl_edit::parser::parse_body(text).ok();
    }
    // Part boundaries: the start of the first file at or after each equal share.
    let mut starts: Vec<usize> = (0..parts)
        .filter_map(|k| {
            let share = text.len() * k / parts;
            segments
                .iter()
                .map(|s| s.start)
                .find(|&start| start >= share)
        })
        .collect();
    starts.dedup();
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain([text.len()]).collect();
    let parse_part = |start: usize, end: usize| {
        let mut padded = " ".repeat(start);
        padded.push_str(text.get(start..end)?);
        hcl_edit::parser::parse_body(&padded).ok()
    };
    let stack = crate::yaml::parser_stack_bytes(limits);
    let bodies: Vec<Option<Body>> = std::thread::scope(|scope| {
        let spawned: Vec<_> = starts
            .iter()
            .zip(&ends)
            .skip(1)
            .map(|(&start, &end)| {
                std::thread::Builder::new()
                    .stack_size(stack)
                    .spawn_scoped(scope, move || parse_part(start, end))
            })
            .collect();
        let first = starts
            .first()
            .zip(ends.first())
            .and_then(|(&s, &e)| parse_part(s, e));
        std::iter::once(first)
            .chain(spawned.into_iter().map(|handle| match handle {
                Ok(handle) => handle.join().ok().flatten(),
                Err(_) => None,
            }))
            .collect()
    });
    let mut bodies = bodies.into_iter();
    let mut body = bodies.next()??;
    for part in bodies {
        for structure in part? {
            body.push(structure);
        }
    }
    Some(body)
}

/// The text of a module of `files` (joined by newlines) and their segments in it.
fn joined(files: &[ModuleFile<'_>]) -> (String, Vec<Segment>) {
    let mut text = String::new();
    let mut segments = Vec::new();
    for file in files {
        if !segments.is_empty() {
            text.push('\n');
        }
        segments.push(Segment {
            file: file.file,
            start: text.len(),
            len: file.text.len(),
        });
        text.push_str(file.text);
    }
    (text, segments)
}

/// The roles and users a policy or attachment block may name, read from its syntax
/// alone: `(KIND, LABEL)` of every `aws_iam_role.LABEL…`/`aws_iam_user.LABEL…` reference
/// in its `role`, `user`, `roles` and `users`, directly or as a function's argument.
fn attachment_candidates(kind: &str, block: &Block) -> Vec<(String, String)> {
    if !matches!(
        kind,
        "aws_iam_role_policy"
            | "aws_iam_user_policy"
            | "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_policy_attachment"
    ) {
        return Vec::new();
    }
    let mut expressions = Vec::new();
    for key in ["role", "user", "roles", "users"] {
        match block.body.get_attribute(key).map(|a| &a.value) {
            Some(Expression::Array(items)) => expressions.extend(items.iter()),
            Some(expr) => expressions.push(expr),
            None => {}
        }
    }
    let mut out = Vec::new();
    for expr in expressions {
        let mut references = vec![expr];
        if let Expression::FuncCall(call) = expr {
            references.extend(call.args.iter());
        }
        for reference in references {
            let Expression::Traversal(traversal) = reference else {
                continue;
            };
            let Expression::Variable(root) = &traversal.expr else {
                continue;
            };
            if !matches!(root.as_str(), "aws_iam_role" | "aws_iam_user") {
                continue;
            }
            let label = traversal.operators.iter().find_map(|op| match op.value() {
                TraversalOperator::GetAttr(name) => Some(name.as_str()),
                _ => None,
            });
            if let Some(label) = label {
                out.push((root.as_str().to_string(), label.to_string()));
            }
        }
    }
    out
}

/// Parses one file; a syntax error is a parse problem at its place.
pub(crate) fn parse(file: FileId, text: &str, limits: &Limits) -> Result<Body, Problem> {
    limits.check_size(file, text.len())?;
    hcl_edit::parser::parse_body(text).map_err(|error| {
        let offset = error.location().offset().min(text.len());
        let width = text
            .get(offset..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        Problem::parse(
            Span::new(file, offset, offset + width),
            format!("invalid HCL: {}", error.message()),
        )
    })
}

/// A module folder as a run reads it: its `*.tf` files (read, in path order) and, when
/// those that parse alone parse together, their module.
#[derive(Debug)]
pub struct Folder {
    pub files: Vec<FileText>,
    pub module: Option<Module>,
    /// How many of the run's own files in it are still to be loaded: at none, the run
    /// lets the folder go (see [`ModuleReader::loaded`]).
    remaining: AtomicUsize,
}

/// Reads the module of a Terraform file's folder: [`FolderModules`] inside the file's
/// repository, once per folder and run; [`NoModules`] none.
pub trait ModuleReader: Sync {
    /// The folder of `file` (a path as the run shows it) with its `*.tf` files; `None`
    /// when there is none to read.
    fn folder(&self, file: &Path, limits: &Limits) -> Option<Arc<Folder>>;

    /// Says that the run has loaded `file` (id `id`): once every file of the run in a
    /// folder is loaded, the reader may let the folder's module go.
    fn loaded(&self, _file: &Path, _id: FileId) {}
}

/// The module reader of a load without a folder (standard input, a file alone).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoModules;

impl ModuleReader for NoModules {
    fn folder(&self, _file: &Path, _limits: &Limits) -> Option<Arc<Folder>> {
        None
    }
}

/// A folder of [`FolderModules`]: read once, by the first load that asks.
type FolderSlot = OnceLock<Option<Arc<Folder>>>;

/// The folders of one repository a run reads, each read and parsed once, by the first
/// load that asks (others asking for the same folder wait for it; loads of other folders
/// don't: the map's lock is held only to find a folder's slot).
#[derive(Debug)]
pub struct FolderModules<'r> {
    files: &'r RootedFiles<'r>,
    /// How many threads may parse a large folder's module at once.
    threads: usize,
    folders: Mutex<HashMap<PathBuf, Arc<FolderSlot>>>,
}

impl<'r> FolderModules<'r> {
    pub fn new(files: &'r RootedFiles<'r>) -> Self {
        FolderModules {
            files,
            threads: 1,
            folders: Mutex::new(HashMap::new()),
        }
    }

    /// Parses a large folder's module on up to `threads` threads at once (the run's
    /// other loads of the folder wait for it).
    #[must_use]
    pub fn with_threads(self, threads: usize) -> Self {
        FolderModules {
            threads: threads.max(1),
            ..self
        }
    }

    /// The folder of `file` read, when it holds other `*.tf` files (a file alone in its
    /// folder is its own module: nothing to read again or to keep).
    fn read(&self, file: &Path, limits: &Limits) -> Option<Arc<Folder>> {
        let paths: Vec<String> = self
            .files
            .folder_files(file)
            .into_iter()
            .filter(|path| is_tf_name(Path::new(path)))
            .take(MAX_MODULE_FILES)
            .collect();
        if paths.len() < 2 {
            return None;
        }
        // Read while the module could still hold more (its text stays within the size
        // limit of one file), so a folder of many large files is not read whole.
        let mut read = 0usize;
        let mut files: Vec<FileText> = Vec::new();
        for path in &paths {
            if read >= limits.max_file_bytes {
                break;
            }
            if let Ok(file) = self.files.read(path) {
                read = read.saturating_add(file.text.len() + 1);
                files.push(file);
            }
        }
        let members: Vec<ModuleFile> = files
            .iter()
            .map(|f| ModuleFile {
                file: f.file,
                text: &f.text,
            })
            .collect();
        let module = Module::build_with(&members, limits, self.threads);
        let remaining = files
            .iter()
            .filter(|f| self.files.is_run_file(f.file))
            .count();
        Some(Arc::new(Folder {
            files,
            module,
            remaining: AtomicUsize::new(remaining),
        }))
    }
}

/// The key of the folder of `file` in [`FolderModules`].
fn folder_key(file: &Path) -> PathBuf {
    file.parent().unwrap_or(Path::new("")).to_path_buf()
}

impl ModuleReader for FolderModules<'_> {
    fn folder(&self, file: &Path, limits: &Limits) -> Option<Arc<Folder>> {
        let slot = {
            let mut folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(folders.entry(folder_key(file)).or_default())
        };
        slot.get_or_init(|| self.read(file, limits)).clone()
    }

    fn loaded(&self, file: &Path, id: FileId) {
        if !self.files.is_run_file(id) {
            return;
        }
        let key = folder_key(file);
        let mut folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(Some(folder)) = folders.get(&key).and_then(|slot| slot.get()) else {
            return;
        };
        if !folder.files.iter().any(|f| f.file == id) {
            return;
        }
        let left = folder
            .remaining
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        if left == Ok(1) {
            folders.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::LocalFiles;
    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// Telling from the decor of the joined text whether a block comment runs from
        /// one file into the next decides as parsing each file with `/*` alone does.
        #[test]
        fn comments_across_files_are_told_as_parsing_alone_does(files in proptest::collection::vec(
            proptest::collection::vec(proptest::sample::select(vec![
                "a = 1\n", "b = \"x/*\"\n", "/* c */\n", "/*", "*/", "\n", "# h /*\n", "// s /*\n",
                "r \"t\" {\n", "}\n", "k = <<E\n/*\nE\n", "x = [\n", "]\n", "y = \"", "z = 1 /* q */\n",
                " ", "\t", "*", "/",
            ]), 0..8).prop_map(|pieces| pieces.concat()), 2..5)) {
            let members: Vec<ModuleFile> = files
                .iter()
                .zip(0..)
                .map(|(text, id)| ModuleFile { file: FileId(id), text })
                .collect();
            let (text, segments) = joined(&members);
            if let Ok(body) = hcl_edit::parser::parse_body(&text) {
                let module = Module::index(text, body, segments);
                if let (Some(crosses), false) = (module.comment_crosses_files(), module.straddles()) {
                    let alone = members
                        .iter()
                        .filter(|m| m.text.contains("/*"))
                        .any(|m| parse(m.file, m.text, &Limits::default()).is_err());
                    proptest::prop_assert_eq!(crosses, alone);
                }
            }
        }
    }

    #[test]
    fn a_folder_is_read_and_parsed_once() {
        let dir = std::env::temp_dir().join(format!("trustlint-module-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root")).unwrap();
        std::fs::write(
            dir.join("root/a.tf"),
            "variable \"x\" {\n  default = 1\n}\n",
        )
        .unwrap();
        std::fs::write(dir.join("root/b.tf"), "locals {\n  y = var.x\n}\n").unwrap();
        std::fs::write(dir.join("root/c.tf"), "resource {\n").unwrap();
        std::fs::write(dir.join("root/notes.md"), "not terraform\n").unwrap();
        let files = LocalFiles::new(FileId(0), 1 << 20);
        let rooted = files.rooted(&dir);
        let modules = FolderModules::new(&rooted);
        let limits = Limits::default();
        let a = modules.folder(&dir.join("root/a.tf"), &limits).unwrap();
        let b = modules.folder(&dir.join("root/b.tf"), &limits).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "one read per folder");
        assert_eq!(a.files.len(), 3, "the `*.tf` files");
        let module = a.module.as_ref().unwrap();
        assert_eq!(module.segments().len(), 2, "c.tf doesn't parse: left out");
        let ids: Vec<FileId> = a.files.iter().map(|f| f.file).collect();
        assert!(module.has_file(ids[0]) && module.has_file(ids[1]) && !module.has_file(ids[2]));
        assert!(
            module.variable("x", ids[1]).is_some(),
            "b.tf reads a.tf's variable"
        );
        assert!(!module.ambiguous());
        drop((a, b, modules));

        // The run's own files: once both are loaded, the folder is let go.
        let (a_path, b_path) = (dir.join("root/a.tf"), dir.join("root/b.tf"));
        let run = LocalFiles::new(FileId(10), 1 << 20)
            .with_run_files([(a_path.clone(), FileId(0)), (b_path.clone(), FileId(1))]);
        let rooted = run.rooted(&dir);
        let modules = FolderModules::new(&rooted);
        let first = modules.folder(&a_path, &limits).unwrap();
        modules.loaded(&a_path, FileId(0));
        assert!(Arc::ptr_eq(
            &first,
            &modules.folder(&b_path, &limits).unwrap()
        ));
        modules.loaded(&b_path, FileId(1));
        let again = modules.folder(&a_path, &limits).unwrap();
        assert!(
            !Arc::ptr_eq(&first, &again),
            "read again only after it was let go"
        );
        // A file alone in its folder is not read again.
        std::fs::create_dir_all(dir.join("root/alone")).unwrap();
        std::fs::write(dir.join("root/alone/x.tf"), "locals {}\n").unwrap();
        assert!(modules
            .folder(&dir.join("root/alone/x.tf"), &limits)
            .is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
