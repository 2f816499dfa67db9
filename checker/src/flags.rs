//! rustc flags as Cargo passes them: tokenizing `-C x`, `-Cx`, `--codegen x`, `-Z x`, and telling
//! which linker a set of flags selects.

/// A `-C`/`-Z` option (`kind` is 'C' or 'Z') or any other flag (`kind` '-').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub kind: char,
    pub name: String,
    pub value: Option<String>,
    /// Index of the option's first token in the parsed list.
    pub at: usize,
}

impl Opt {
    pub fn is(&self, kind: char, name: &str) -> bool {
        self.kind == kind && self.name == name
    }
}

fn split_opt(kind: char, s: &str, at: usize) -> Opt {
    match s.split_once('=') {
        Some((n, v)) => Opt {
            kind,
            name: n.replace('_', "-"),
            value: Some(v.to_string()),
            at,
        },
        None => Opt {
            kind,
            name: s.replace('_', "-"),
            value: None,
            at,
        },
    }
}

pub fn parse(tokens: &[String]) -> Vec<Opt> {
    let mut out = vec![];
    let mut it = tokens.iter().enumerate().peekable();
    while let Some((at, t)) = it.next() {
        let (kind, rest) = match t.as_str() {
            "-C" | "--codegen" => ('C', it.next().map(|(_, v)| v.clone()).unwrap_or_default()),
            "-Z" => ('Z', it.next().map(|(_, v)| v.clone()).unwrap_or_default()),
            s if s.starts_with("--codegen=") => ('C', s["--codegen=".len()..].to_string()),
            s if s.starts_with("-C") => ('C', s[2..].to_string()),
            s if s.starts_with("-Z") => ('Z', s[2..].to_string()),
            s => {
                out.push(Opt {
                    kind: '-',
                    name: s.to_string(),
                    value: None,
                    at,
                });
                continue;
            }
        };
        out.push(split_opt(kind, &rest, at));
    }
    out
}

/// Options whose value is by definition a space-separated list (`rustc -C help`, nightly
/// `rustc -Z help`: "space separated"): rustc splits the value itself.
pub const SPACE_LISTS: &[(char, &str)] = &[
    ('C', "link-args"),
    ('C', "llvm-args"),
    ('C', "passes"),
    ('C', "remark"),
    ('Z', "llvm-module-flag"),
    ('Z', "llvm-plugins"),
    ('Z', "ls"),
    ('Z', "pre-link-args"),
];

/// Whether one rustflags element that holds whitespace is still one well-formed argument: the
/// value of a space-separated-list option, spelled `-Cllvm-args=-a -b`, `--codegen=...`, or
/// `llvm-args=-a -b` right after a `-C` element. `-C llvm-args=..` (a space after `-C`) is not:
/// rustc reads the option name " llvm-args" and rejects it.
pub fn whitespace_in_list_value(prev: Option<&str>, elem: &str) -> bool {
    let (kind, rest) = match prev {
        Some("-C" | "--codegen") => ('C', elem),
        Some("-Z") => ('Z', elem),
        _ => match elem.strip_prefix("--codegen=") {
            Some(r) => ('C', r),
            None => match elem.get(..2) {
                Some("-C") => ('C', &elem[2..]),
                Some("-Z") => ('Z', &elem[2..]),
                _ => return false,
            },
        },
    };
    let Some((name, _)) = rest.split_once('=') else {
        return false;
    };
    let name = name.replace('_', "-");
    !name.contains(char::is_whitespace) && SPACE_LISTS.contains(&(kind, name.as_str()))
}

/// Every argument rustc hands to the linker driver through these flags.
pub fn link_args(opts: &[Opt]) -> Vec<String> {
    let mut out = vec![];
    for o in opts.iter().filter(|o| o.kind == 'C') {
        match (o.name.as_str(), &o.value) {
            ("link-arg", Some(v)) => out.push(v.clone()),
            ("link-args", Some(v)) => out.extend(v.split_whitespace().map(String::from)),
            _ => {}
        }
    }
    // `-Wl,--ld-path=` is not how clang takes it, but `-Wl,-fuse-ld=` is never right either;
    // keep both visible to callers by splitting -Wl, lists.
    out.iter()
        .flat_map(|a| match a.strip_prefix("-Wl,") {
            Some(list) => list.split(',').map(String::from).collect(),
            None => vec![a.clone()],
        })
        .collect()
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// What a linker program's name says it is: "mold", "wild", "lld", "gold", "bfd", or "cc" for a
/// C compiler driver.
pub fn classify_program(p: &str) -> Option<&'static str> {
    let b = base(p);
    let b = b.split('-').next().unwrap_or(b);
    match b {
        "mold" | "ld.mold" => Some("mold"),
        "wild" | "ld.wild" => Some("wild"),
        "lld" | "ld.lld" | "ld64.lld" | "rust" => Some("lld"),
        "ld.gold" | "gold" => Some("gold"),
        "ld" | "ld.bfd" => Some("bfd"),
        "clang" | "clang++" | "gcc" | "g++" | "cc" | "c++" => Some("cc"),
        _ => None,
    }
}

/// rustc's `LinkerFlavor::infer_linker_hints` (compiler/rustc_target/src/spec/mod.rs): from the
/// linker's file stem minus a numeric `-N` suffix, whether it is a C compiler driver and whether
/// it is LLD. `None` keeps the target's default (for x86_64 Linux since 1.90: cc + rust-lld).
pub fn rustc_linker_hints(prog: &str) -> (Option<bool>, Option<bool>) {
    let stem = std::path::Path::new(prog)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(prog);
    let stem = stem
        .rsplit_once('-')
        .and_then(|(lhs, rhs)| rhs.chars().all(|c| c.is_numeric()).then_some(lhs))
        .unwrap_or(stem);
    let ends = |s: &str| stem == s || stem.ends_with(&format!("-{s}"));
    if stem == "emcc" || ends("gcc") || ends("g++") || ends("clang") || ends("clang++") {
        (Some(true), Some(false))
    } else if ends("wasm-ld") || ["ld.lld", "lld", "rust-lld", "lld-link"].contains(&stem) {
        (Some(false), Some(true))
    } else if ends("ld") || stem == "link" {
        (Some(false), Some(false))
    } else {
        (None, None)
    }
}

/// Whether naming this program as the linker makes rustc give up the self-contained rust-lld
/// for the system linker (a cc driver without LLD: gcc, clang, `<triple>-gcc`, `clang-22`).
/// `cc`, `c++` and wrapper scripts keep rust-lld: rustc infers nothing from their names.
pub fn drops_self_contained_lld(prog: &str) -> bool {
    rustc_linker_hints(prog) == (Some(true), Some(false))
}

/// The linker a driver ends up running, from `-fuse-ld=`, `--ld-path=` or `-B` link args.
pub fn selected_by_link_args(args: &[String]) -> Option<String> {
    let mut chosen = None;
    for a in args {
        if let Some(v) = a.strip_prefix("-fuse-ld=") {
            chosen = Some(classify_program(v).map_or(v.to_string(), String::from));
            if v == "lld" {
                chosen = Some("lld".into());
            }
        } else if let Some(v) = a.strip_prefix("--ld-path=") {
            chosen = Some(classify_program(v).map_or(v.to_string(), String::from));
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn tokenizes_all_spellings() {
        let o = parse(&toks("-C linker=clang -Clink-arg=-fuse-ld=mold --codegen opt-level=3 -Zthreads=8 -Z polonius --cfg x"));
        assert!(o[0].is('C', "linker"));
        assert_eq!(o[1].value.as_deref(), Some("-fuse-ld=mold"));
        assert!(o[2].is('C', "opt-level"));
        assert!(o[3].is('Z', "threads"));
        assert!(o[4].is('Z', "polonius"));
        assert_eq!(o[5].kind, '-');
    }

    #[test]
    fn linker_selection() {
        let o = parse(&toks("-C link-arg=--ld-path=/usr/bin/wild"));
        assert_eq!(
            selected_by_link_args(&link_args(&o)).as_deref(),
            Some("wild")
        );
        let o = parse(&toks("-C link-args=-Wl,-O1 -C link-arg=-fuse-ld=mold"));
        assert_eq!(
            selected_by_link_args(&link_args(&o)).as_deref(),
            Some("mold")
        );
        assert_eq!(classify_program("/usr/bin/clang-22"), Some("cc"));
        assert_eq!(classify_program("rust-lld"), Some("lld"));
        assert_eq!(classify_program("ld.lld-22"), Some("lld"));
    }

    #[test]
    fn whitespace_inside_a_list_value_is_one_argument() {
        assert!(whitespace_in_list_value(None, "-Cllvm-args=-a -b"));
        assert!(whitespace_in_list_value(None, "--codegen=passes=a b"));
        assert!(whitespace_in_list_value(Some("-C"), "link-args=-a -b"));
        assert!(whitespace_in_list_value(None, "-Zllvm_plugins=a b"));
        assert!(!whitespace_in_list_value(None, "-C llvm-args=-a"));
        assert!(!whitespace_in_list_value(
            None,
            "-Ctarget-cpu=native -Copt-level=3"
        ));
        assert!(!whitespace_in_list_value(
            Some("-C"),
            "target-feature=+a +b"
        ));
        assert!(!whitespace_in_list_value(None, "--cfg a"));
    }

    #[test]
    fn rustc_linker_inference() {
        for p in [
            "gcc",
            "clang",
            "clang-22",
            "x86_64-linux-gnu-gcc",
            "/usr/bin/clang",
            "g++-12",
            "aarch64-linux-gnu-clang++",
        ] {
            assert!(drops_self_contained_lld(p), "{p}");
        }
        for p in [
            "cc",
            "c++",
            "/usr/bin/cc",
            "./tools/link.sh",
            "mold",
            "sccache",
            "gcc-wrapper",
        ] {
            assert!(!drops_self_contained_lld(p), "{p}");
        }
    }
}
