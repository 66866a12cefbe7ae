//! The file of extensions and generic SQL objects: one unit struct each,
//! `#[derive(Extension)]` or `#[derive(SqlObject)]`, whose attributes hold
//! everything about it (the definition as PostgreSQL printed it, which
//! generate writes unchanged and check compares token by token).

use super::GeneratedFile;
use super::identifiers::{NameAllocator, RESERVED_TYPE_NAMES, upper_camel_case};
use super::layout::{AttributePlace, Meta, write_dbkit_attribute};
use crate::model::{Extension, Schema, SqlObject};
use crate::naming;

/// The module's name, unless a schema's module has it.
const MODULE_NAME: &str = "sql_objects";

/// The file, when the schema has extensions or generic objects; its module
/// name differs from every name in `taken`.
pub(super) fn sql_objects_file(schema: &Schema, taken: &[String]) -> Option<GeneratedFile> {
    if schema.extensions.is_empty() && schema.objects.is_empty() {
        return None;
    }
    let mut module_name = MODULE_NAME.to_string();
    let mut suffix = 2;
    while taken.contains(&module_name) {
        module_name = format!("{MODULE_NAME}_{suffix}");
        suffix += 1;
    }
    let mut names = NameAllocator::with_reserved(RESERVED_TYPE_NAMES);
    names.allocate(&["Extension".to_string(), "SqlObject".to_string()], "");
    names.allocate(&["SqlObject".to_string()], "");
    let mut derives = Vec::new();
    if !schema.extensions.is_empty() {
        derives.push("Extension");
    }
    if !schema.objects.is_empty() {
        derives.push("SqlObject");
    }
    let mut out = String::from(
        "//! Written by `cargo dbkit pull` from the database's extensions and the objects\n//! the other modules do not declare; it may be edited freely.\n",
    );
    // rustfmt writes a lone import without braces.
    match derives.as_slice() {
        [one] => out.push_str(&format!("\nuse dbkit_runtime::{one};\n")),
        _ => out.push_str(&format!(
            "\nuse dbkit_runtime::{{{}}};\n",
            derives.join(", ")
        )),
    }
    for extension in &schema.extensions {
        out.push('\n');
        write_extension(&mut out, extension, &mut names);
    }
    for object in &schema.objects {
        out.push('\n');
        write_object(&mut out, object, &mut names);
    }
    Some(GeneratedFile {
        file_name: format!("{module_name}.rs"),
        module_name,
        source: out,
    })
}

fn write_extension(out: &mut String, extension: &Extension, names: &mut NameAllocator) {
    let rust_name = names.allocate(&[upper_camel_case(&extension.name, "Extension")], "");
    out.push_str("#[derive(Extension)]\n");
    let mut attributes = Vec::new();
    if naming::snake_case(&rust_name) != extension.name {
        attributes.push(Meta::text("name", extension.name.clone()));
    }
    if let Some(schema) = &extension.schema {
        attributes.push(Meta::text("schema", schema.clone()));
    }
    if !attributes.is_empty() {
        write_dbkit_attribute(out, AttributePlace::Item, &attributes);
    }
    out.push_str(&format!("pub struct {rust_name};\n"));
}

fn write_object(out: &mut String, object: &SqlObject, names: &mut NameAllocator) {
    let candidate = upper_camel_case(
        &format!("{}_{}", object.kind, identity_name(&object.identity)),
        "Object",
    );
    let rust_name = names.allocate(&[candidate], "");
    out.push_str("#[derive(SqlObject)]\n");
    let mut attributes = vec![
        Meta::text("kind", object.kind.clone()),
        Meta::text("identity", object.identity.clone()),
        Meta::text("definition", object.definition.clone()),
    ];
    if let Some(drop) = &object.drop {
        attributes.push(Meta::text("drop", drop.clone()));
    }
    if !object.depends_on.is_empty() {
        attributes.push(Meta::List(
            "depends_on",
            object
                .depends_on
                .iter()
                .map(|name| Meta::word(super::layout::string_literal(name)))
                .collect(),
        ));
    }
    write_dbkit_attribute(out, AttributePlace::Item, &attributes);
    out.push_str(&format!("pub struct {rust_name};\n"));
}

/// The schemas the extensions and generic objects are in: an extension's
/// `WITH SCHEMA`, the first part of an identity.
pub(super) fn schemas_used(schema: &Schema) -> impl Iterator<Item = &str> {
    let extensions = schema.extensions.iter().filter_map(|e| e.schema.as_deref());
    let objects = schema.objects.iter().filter_map(|object| {
        let own = object
            .identity
            .split(" on ")
            .last()
            .unwrap_or(&object.identity);
        let before = own.split('(').next().unwrap_or(own);
        before
            .split_once('.')
            .map(|(namespace, _)| namespace.trim_matches('"'))
    });
    extensions.chain(objects)
}

/// The name in an identity: `public.group_concat(text)` → `group_concat`,
/// `users_touch on public.users` → `users_touch`.
fn identity_name(identity: &str) -> &str {
    let before = identity.split(['(', ' ']).next().unwrap_or(identity);
    before
        .rsplit('.')
        .next()
        .unwrap_or(before)
        .trim_matches('"')
}
