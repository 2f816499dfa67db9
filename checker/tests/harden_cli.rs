//! The command-line contract under bad input: exit 2 leaves stdout empty, one line on stderr.

use std::process::Command;

fn tiercheck(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tiercheck"))
        .args(args)
        .output()
        .expect("run tiercheck");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn binary_input_errors_print_nothing_on_stdout() {
    let me = std::env::current_exe().unwrap();
    let me = me.to_str().unwrap();
    for format in ["text", "json"] {
        for files in [vec!["/nonexistent"], vec![me, "/nonexistent"], vec!["/"]] {
            let mut args = vec!["binary", "--format", format];
            args.extend(&files);
            let (code, stdout, stderr) = tiercheck(&args);
            assert_eq!(code, Some(2), "{args:?}: {stderr}");
            assert_eq!(stdout, "", "{args:?}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        }
    }
    let (code, stdout, _) = tiercheck(&["binary", "--format", "json", me]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("\"binaries\""));
}
