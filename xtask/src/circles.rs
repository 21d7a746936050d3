//! `cargo xtask circles`: import circles between a crate's modules. Every `crate::…`,
//! `super::…` and `self::…` path in a crate's `src/` (in `use` items and in code) is an edge
//! from the module whose file holds it to the module it names; a name the crate root
//! re-exports counts as the module it comes from. Two levels are checked: the crate's
//! top-level modules (a directory module counts as one), and the files inside each
//! directory module. A strongly connected set of more than one module is a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// The crates whose modules must form layers.
pub const CRATES: &[&str] = &["runtime", "sim", "cli", "xtask", "generator"];

/// A module's path below the crate root, e.g. `["codec", "wire"]`.
type ModPath = Vec<String>;

pub fn run(args: &[String]) -> Result<(), String> {
    let verbose = args.iter().any(|a| a == "--edges");
    let root = crate::project_root();
    let mut failures = Vec::new();
    for name in CRATES {
        let report = check_crate(&root.join(name).join("src"))?;
        println!(
            "{name}: {} modules, {} imports between them, {}",
            report.modules,
            report.edges,
            if report.circles.is_empty() {
                "no circle".to_owned()
            } else {
                format!("{} circle(s)", report.circles.len())
            }
        );
        if verbose {
            for (from, to) in &report.top_edges {
                println!("  {from} → {to}");
            }
        }
        for c in &report.circles {
            println!("  circle: {c}");
            failures.push(format!("{name}: {c}"));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} import circle(s)", failures.len()))
    }
}

pub struct Report {
    pub modules: usize,
    pub edges: usize,
    /// The top-level imports, `from → to`.
    pub top_edges: Vec<(String, String)>,
    /// Each circle as `a → b → a`, with the files behind each step.
    pub circles: Vec<String>,
}

/// Every module file of the crate whose sources are in `src`.
pub fn check_crate(src: &Path) -> Result<Report, String> {
    let root_file = if src.join("lib.rs").exists() {
        src.join("lib.rs")
    } else {
        src.join("main.rs")
    };
    let mut files = Vec::new();
    collect(src, &mut files)?;
    let mut modules: BTreeMap<ModPath, PathBuf> = BTreeMap::new();
    for f in &files {
        if f == &root_file || (f.parent() == Some(src) && f.file_name() == Some("main.rs".as_ref()))
        {
            continue;
        }
        modules.insert(mod_path(src, f), f.clone());
    }
    let reexports = root_reexports(&root_file)?;
    // (from, to) → one file that makes the step.
    let mut edges: BTreeMap<(ModPath, ModPath), String> = BTreeMap::new();
    for (from, file) in &modules {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let ast = syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut v = Refs {
            here: from.clone(),
            found: Vec::new(),
        };
        v.visit_file(&ast);
        for target in v.found {
            if let Some(to) = resolve(&target, &modules, &reexports) {
                if &to != from && !from.starts_with(&to) {
                    let shown = file.strip_prefix(src).unwrap_or(file).display().to_string();
                    edges.entry((from.clone(), to)).or_insert(shown);
                }
            }
        }
    }
    let mut circles = Vec::new();
    // Top level: each module by its first segment.
    let top = |m: &ModPath| vec![m[0].clone()];
    circles.extend(find_circles(&edges, top));
    // Inside each directory module: its files, the directory's own mod.rs among them.
    let dirs: BTreeSet<String> = modules
        .keys()
        .filter(|m| m.len() > 1)
        .map(|m| m[0].clone())
        .collect();
    for d in dirs {
        let inside: BTreeMap<(ModPath, ModPath), String> = edges
            .iter()
            .filter(|((a, b), _)| a[0] == d && b[0] == d)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        circles.extend(find_circles(&inside, |m: &ModPath| m.clone()));
    }
    let top_edges: BTreeSet<_> = edges
        .keys()
        .map(|(a, b)| (top(a), top(b)))
        .filter(|(a, b)| a != b)
        .collect();
    Ok(Report {
        modules: modules.len(),
        edges: top_edges.len(),
        top_edges: top_edges
            .iter()
            .map(|(a, b)| (a[0].clone(), b[0].clone()))
            .collect(),
        circles,
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

fn mod_path(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Names the crate root re-exports (`pub use body::Body;`) → the module they come from.
fn root_reexports(root_file: &Path) -> Result<BTreeMap<String, String>, String> {
    let text =
        std::fs::read_to_string(root_file).map_err(|e| format!("{}: {e}", root_file.display()))?;
    let ast = syn::parse_file(&text).map_err(|e| format!("{}: {e}", root_file.display()))?;
    let mut out = BTreeMap::new();
    for item in &ast.items {
        if let syn::Item::Use(u) = item {
            let mut paths = Vec::new();
            flatten(&u.tree, Vec::new(), &mut paths);
            for (p, name) in paths {
                let p: Vec<&String> = p.iter().filter(|s| *s != "crate" && *s != "self").collect();
                if let (Some(first), Some(name)) = (p.first(), name) {
                    out.insert(name, (*first).clone());
                }
            }
        }
    }
    Ok(out)
}

/// A use tree as paths, each with the name it binds (none for a glob).
fn flatten(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            flatten(&p.tree, next, out);
        }
        syn::UseTree::Name(n) => {
            let mut full = prefix;
            let name = n.ident.to_string();
            if name != "self" {
                full.push(name.clone());
            }
            out.push((full, Some(name)));
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix;
            full.push(r.ident.to_string());
            out.push((full, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => out.push((prefix, None)),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix.clone(), out);
            }
        }
    }
}

/// The crate-relative paths a file names.
struct Refs {
    /// The module being visited: the file's, then any inline `mod` inside it.
    here: ModPath,
    found: Vec<ModPath>,
}

impl Refs {
    /// `segments` made absolute, if it starts at `crate`, `super` or `self`.
    fn absolute(&self, segments: &[String]) -> Option<ModPath> {
        let mut base = self.here.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("super") | Some("self") => {
                while let Some(s) = rest.first() {
                    match s.as_str() {
                        "super" => {
                            base.pop()?;
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            _ => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }
}

impl<'ast> Visit<'ast> for Refs {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.here.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.here.pop();
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        flatten(&u.tree, Vec::new(), &mut paths);
        for (p, _) in paths {
            if let Some(abs) = self.absolute(&p) {
                self.found.push(abs);
            }
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(abs) = self.absolute(&segments) {
            self.found.push(abs);
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // Paths inside macro calls (`format!`, `vec!` …) are tokens; read them as expressions
        // where they parse, so a `crate::x::y` there counts too.
        if let Ok(args) = m.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        ) {
            for a in &args {
                self.visit_expr(a);
            }
        }
        syn::visit::visit_macro(self, m);
    }
}

/// The module a path lands in: the longest prefix that is a module file, or through a
/// re-export of the crate root. Paths into the root itself (its own items) are no edge.
fn resolve(
    path: &ModPath,
    modules: &BTreeMap<ModPath, PathBuf>,
    reexports: &BTreeMap<String, String>,
) -> Option<ModPath> {
    for n in (1..=path.len()).rev() {
        if modules.contains_key(&path[..n]) {
            return Some(path[..n].to_vec());
        }
    }
    let first = path.first()?;
    let m = vec![reexports.get(first)?.clone()];
    modules.contains_key(&m).then_some(m)
}

/// Strongly connected sets (Tarjan) of the graph `edges` makes after mapping each module
/// with `node`, each shown as one walk around it.
fn find_circles(
    edges: &BTreeMap<(ModPath, ModPath), String>,
    node: impl Fn(&ModPath) -> ModPath,
) -> Vec<String> {
    let mut graph: BTreeMap<ModPath, BTreeMap<ModPath, String>> = BTreeMap::new();
    for ((a, b), file) in edges {
        let (a, b) = (node(a), node(b));
        if a != b {
            graph.entry(b.clone()).or_default();
            graph
                .entry(a)
                .or_default()
                .entry(b)
                .or_insert_with(|| file.clone());
        }
    }
    let names: Vec<ModPath> = graph.keys().cloned().collect();
    let index_of: BTreeMap<&ModPath, usize> =
        names.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let succ: Vec<Vec<usize>> = names
        .iter()
        .map(|n| graph[n].keys().map(|m| index_of[m]).collect())
        .collect();
    let components = tarjan(&succ);
    let mut out = Vec::new();
    for comp in components.into_iter().filter(|c| c.len() > 1) {
        let set: BTreeSet<usize> = comp.iter().copied().collect();
        // One walk: from the smallest member along edges inside the set back to it.
        let start = *set.iter().next().expect("non-empty");
        let walk = shortest_cycle(start, &succ, &set);
        let mut shown = Vec::new();
        for w in walk.windows(2) {
            let (a, b) = (&names[w[0]], &names[w[1]]);
            shown.push(format!(
                "{} → {} ({})",
                a.join("::"),
                b.join("::"),
                graph[a][b]
            ));
        }
        let members: Vec<String> = set.iter().map(|&i| names[i].join("::")).collect();
        out.push(format!(
            "{} modules ({}): {}",
            set.len(),
            members.join(", "),
            shown.join(", ")
        ));
    }
    out
}

fn tarjan(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        succ: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for i in 0..s.succ[v].len() {
            let w = s.succ[v][i];
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let n = succ.len();
    let mut s = State {
        succ,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

/// The shortest walk from `start` back to it inside `set` (breadth first).
fn shortest_cycle(start: usize, succ: &[Vec<usize>], set: &BTreeSet<usize>) -> Vec<usize> {
    let mut prev: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &succ[v] {
            if !set.contains(&w) {
                continue;
            }
            if w == start {
                // Back from v to start along `prev`, then turned round and closed.
                let mut walk = vec![v];
                let mut at = v;
                while at != start {
                    at = prev[&at];
                    walk.push(at);
                }
                walk.reverse();
                walk.push(start);
                return walk;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("xtask-circles-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_circle_through_a_reexport_and_a_directory_is_found() {
        let d = scratch("found");
        write(
            &d,
            &[
                ("lib.rs", "mod a; mod b; mod c; pub use c::Thing;"),
                ("a.rs", "use crate::b::X; pub struct A;"),
                (
                    "b/mod.rs",
                    "mod inner; pub struct X; fn f() { crate::Thing::go(); }",
                ),
                ("b/inner.rs", "pub struct Y;"),
                (
                    "c.rs",
                    "pub struct Thing; fn g() { let _ = format!(\"{:?}\", crate::a::A); }",
                ),
            ],
        );
        let r = check_crate(&d).unwrap();
        assert_eq!(r.circles.len(), 1, "{:?}", r.circles);
        assert!(
            r.circles[0]
                .starts_with("3 modules (a, b, c): a → b (a.rs), b → c (b/mod.rs), c → a (c.rs)"),
            "{}",
            r.circles[0]
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn layers_and_inline_test_modules_are_no_circle() {
        let d = scratch("layers");
        write(
            &d,
            &[
                ("lib.rs", "mod low; mod high;"),
                (
                    "low.rs",
                    "pub struct L; #[cfg(test)] mod tests { use super::L; }",
                ),
                (
                    "high.rs",
                    "use crate::low::L; mod tests { use super::super::low::L; }",
                ),
            ],
        );
        let r = check_crate(&d).unwrap();
        assert!(r.circles.is_empty(), "{:?}", r.circles);
        assert_eq!(r.edges, 1);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_circle_between_files_of_one_directory_is_found() {
        let d = scratch("dir");
        write(
            &d,
            &[
                ("lib.rs", "mod d;"),
                ("d/mod.rs", "mod x; mod y;"),
                ("d/x.rs", "use super::y::Y; pub struct X;"),
                ("d/y.rs", "use super::x::X; pub struct Y;"),
            ],
        );
        let r = check_crate(&d).unwrap();
        assert_eq!(r.circles.len(), 1, "{:?}", r.circles);
        assert!(r.circles[0].contains("d::x → d::y"), "{}", r.circles[0]);
        let _ = std::fs::remove_dir_all(&d);
    }
}
