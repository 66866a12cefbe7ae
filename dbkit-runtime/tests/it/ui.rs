//! Compile tests of the derives: what must compile, and the errors (with their spans and help) of what must not.

#[test]
fn derives_accept_the_dsl_and_reject_mistakes_on_their_spans() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
