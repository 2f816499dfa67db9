//! Prints the most frequent words of stdin.
use std::io::Read;

fn main() {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("app: reading stdin: {e}");
        std::process::exit(1);
    }
    for (word, n) in app_core::word_counts(&text).into_iter().take(10) {
        println!("{n:6} {word}");
    }
}
