//! Fuzzes `parse_source_file`: any text must give declarations or located errors, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match dbkit_core::parse::parse_source_file(text, "src/fuzz.rs") {
        Ok(_) => {}
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in &errors {
                assert!(error.span_len >= 1);
                assert!(!error.message.is_empty());
                let _ = error.to_string();
            }
        }
    }
    // Each input adds its text to this thread's span table; start afresh.
    proc_macro2::extra::invalidate_current_thread_spans();
});
