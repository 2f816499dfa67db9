#![no_main]
//! Any bytes: the ELF inspector returns facts or an error, never panics or hangs.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tiercheck::binary::inspect::inspect(data);
});
