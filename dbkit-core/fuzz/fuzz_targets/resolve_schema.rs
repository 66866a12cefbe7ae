//! Fuzzes `resolve_schema` over what the parser accepts: several files' declarations must resolve or give errors, never panic.
//!
//! The input is split into up to four files on NUL bytes, so references,
//! enums and duplicates can cross files.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut declarations = Vec::new();
    for (index, file) in text.split('\0').take(4).enumerate() {
        if let Ok(found) = dbkit_core::parse::parse_source_file(file, &format!("src/file{index}.rs")) {
            declarations.extend(found);
        }
    }
    if declarations.is_empty() {
        proc_macro2::extra::invalidate_current_thread_spans();
        return;
    }
    match dbkit_core::resolve::resolve_schema(declarations) {
        Ok(schema) => {
            let mut again = schema.clone();
            again.canonicalize();
            assert_eq!(again, schema, "a resolved schema is canonical");
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
    proc_macro2::extra::invalidate_current_thread_spans();
});
