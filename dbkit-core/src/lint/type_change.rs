//! Whether `ALTER COLUMN … TYPE` rewrites the table: PostgreSQL's own
//! rules, for the built-in types a schema usually holds.
//!
//! PostgreSQL keeps the table (only the catalog changes) when the
//! conversion from the old type to the new one is, after its planner has
//! simplified it, nothing but the column itself:
//!
//! - the same type with the same modifier;
//! - a cast of `pg_cast` with `castmethod = 'b'` (binary coercible:
//!   `varchar` → `text`, `text` → `varchar`, `cidr` → `inet`, `bit` →
//!   `bit varying`, `integer` ↔ `oid`, `xml` → `text`…) to a type without
//!   a modifier; with one (`text` → `varchar(20)`), the length check runs
//!   over every value and the table is rewritten;
//! - a change of modifier that the type's length-coercion function
//!   declares a no-op (its `prosupport` function): `varchar(n)` and
//!   `bit varying(n)` to a longer length or none; `numeric(p,s)` to the
//!   same scale with a precision as large or more, or to `numeric`;
//!   `time`, `timetz`, `timestamp`, `timestamptz` and `interval` to a
//!   precision as large or more, to 6 (their largest) or to none.
//!   `character(n)` and `bit(n)` have no such function: any change of
//!   length rewrites;
//! - `timestamp` ↔ `timestamptz` (to no precision or 6) when the session's
//!   `TimeZone` is UTC (PostgreSQL 12+): the stored microseconds are the
//!   same there;
//! - an array to an array of the same element type with no modifier
//!   (`varchar(10)[]` → `varchar[]`); any other array change converts
//!   each element, a rewrite.
//!
//! Every other conversion of the types below calls a function on each
//! value and rewrites the table. A type the lint does not know (an enum,
//! a domain, an extension's type, `interval` with fields) gives
//! [`TypeChangeRewrite::Unknown`]. `cargo-dbkit/tests/it/lint_claims.rs` checks this table
//! against a real server for every pair of the types it decides about.

use crate::types::canonical_type;

/// What `ALTER COLUMN … TYPE` does to a table's storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeChangeRewrite {
    /// The stored values stay as they are; only the catalog changes.
    Kept,
    /// Every row is written again and every index of the table rebuilt.
    Rewritten,
    /// `timestamp` ↔ `timestamptz`: kept when the session's `TimeZone` is
    /// UTC, rewritten otherwise.
    RewrittenUnlessUtc,
    /// One of the two types is not one whose rules the lint knows.
    Unknown,
}

impl TypeChangeRewrite {
    /// The outcome of two conversions one after the other (a `USING`
    /// cast, then the conversion to the column's new type).
    pub fn then(self, next: TypeChangeRewrite) -> TypeChangeRewrite {
        use TypeChangeRewrite::{Kept, Rewritten, RewrittenUnlessUtc, Unknown};
        match (self, next) {
            (Rewritten, _) | (_, Rewritten) => Rewritten,
            (Unknown, _) | (_, Unknown) => Unknown,
            (RewrittenUnlessUtc, _) | (_, RewrittenUnlessUtc) => RewrittenUnlessUtc,
            (Kept, Kept) => Kept,
        }
    }
}

/// Whether changing a column of type `from` to type `to` (both in any
/// spelling PostgreSQL accepts: `varchar(20)`, `character varying(20)`,
/// `int4[]`) rewrites the table. Assumes the conversion is one PostgreSQL
/// accepts.
pub fn type_change_rewrite(from: &str, to: &str) -> TypeChangeRewrite {
    match (PgType::parse(from), PgType::parse(to)) {
        (Some(from), Some(to)) => from.change_to(&to),
        _ => TypeChangeRewrite::Unknown,
    }
}

/// A type as PostgreSQL's `format_type` spells it: [`canonical_type`],
/// except that `bpchar` (blank-padded, no length) stays `bpchar`, where
/// `canonical_type` gives `character(1)`, which is `character` alone.
pub(crate) fn spell_type(spelling: &str) -> String {
    match unbounded_bpchar(spelling) {
        Some(false) => "bpchar".to_string(),
        Some(true) => "bpchar[]".to_string(),
        None => canonical_type(spelling),
    }
}

/// `Some(is_array)` when `spelling` is `bpchar` or `bpchar[]`.
fn unbounded_bpchar(spelling: &str) -> Option<bool> {
    let lowered = spelling.trim().to_ascii_lowercase();
    let lowered = lowered.strip_prefix("pg_catalog.").unwrap_or(&lowered);
    match lowered.replace(' ', "").as_str() {
        "bpchar" => Some(false),
        "bpchar[]" => Some(true),
        _ => None,
    }
}

/// The built-in types whose conversions the lint knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    SmallInt,
    Integer,
    BigInt,
    Real,
    Double,
    /// `numeric(precision, scale)`, or unconstrained.
    Numeric(Option<(u32, i32)>),
    Money,
    Text,
    /// `character varying(length)`, or unconstrained.
    Varchar(Option<u32>),
    /// `character(length)` (`character` alone is `character(1)`), or
    /// `bpchar`, which has no length.
    Char(Option<u32>),
    Bytea,
    Boolean,
    Date,
    /// The temporal types and their fractional-second precision.
    Time(Option<u32>),
    TimeTz(Option<u32>),
    Timestamp(Option<u32>),
    TimestampTz(Option<u32>),
    Interval(Option<u32>),
    Uuid,
    Json,
    Jsonb,
    Inet,
    Cidr,
    MacAddr,
    MacAddr8,
    /// `bit(length)`; `bit` alone is `bit(1)`.
    Bit(u32),
    /// `bit varying(length)`, or unconstrained.
    VarBit(Option<u32>),
    Xml,
    Oid,
    TsVector,
    TsQuery,
}

/// The largest fractional-second precision of the temporal types;
/// PostgreSQL treats a change to it like a change to none.
const MAX_TEMPORAL_PRECISION: u32 = 6;

impl Base {
    fn parse(canonical: &str) -> Option<Base> {
        let (stem, modifier) = match canonical.find('(') {
            Some(open) => {
                let close = canonical.find(')')?;
                let inside = canonical.get(open + 1..close)?;
                let after = canonical.get(close + 1..)?;
                let stem = format!("{}{after}", canonical.get(..open)?);
                (stem, Some(inside))
            }
            None => (canonical.to_string(), None),
        };
        let number = |text: &str| text.trim().parse::<u32>().ok();
        let length = || {
            modifier
                .map(number)
                .map_or(Some(None), |parsed| parsed.map(Some))
        };
        let precision = length;
        let base = match stem.as_str() {
            "smallint" => Base::SmallInt,
            "integer" => Base::Integer,
            "bigint" => Base::BigInt,
            "real" => Base::Real,
            "double precision" => Base::Double,
            "numeric" => Base::Numeric(match modifier {
                None => None,
                Some(modifier) => {
                    let mut parts = modifier.split(',');
                    let precision = number(parts.next()?)?;
                    let scale = match parts.next() {
                        Some(scale) => scale.trim().parse::<i32>().ok()?,
                        None => 0,
                    };
                    if parts.next().is_some() {
                        return None;
                    }
                    Some((precision, scale))
                }
            }),
            "money" => Base::Money,
            "text" => Base::Text,
            "character varying" => Base::Varchar(length()?),
            "character" => Base::Char(Some(length()?.unwrap_or(1))),
            "bytea" => Base::Bytea,
            "boolean" => Base::Boolean,
            "date" => Base::Date,
            "time without time zone" => Base::Time(precision()?),
            "time with time zone" => Base::TimeTz(precision()?),
            "timestamp without time zone" => Base::Timestamp(precision()?),
            "timestamp with time zone" => Base::TimestampTz(precision()?),
            "interval" => Base::Interval(precision()?),
            "uuid" => Base::Uuid,
            "json" => Base::Json,
            "jsonb" => Base::Jsonb,
            "inet" => Base::Inet,
            "cidr" => Base::Cidr,
            "macaddr" => Base::MacAddr,
            "macaddr8" => Base::MacAddr8,
            "bit" => Base::Bit(length()?.unwrap_or(1)),
            "bit varying" => Base::VarBit(length()?),
            "xml" => Base::Xml,
            "oid" => Base::Oid,
            "tsvector" => Base::TsVector,
            "tsquery" => Base::TsQuery,
            _ => return None,
        };
        Some(base)
    }

    /// Whether the type carries a modifier (a length, precision or scale).
    fn has_modifier(self) -> bool {
        match self {
            Base::Numeric(modifier) => modifier.is_some(),
            Base::Varchar(modifier)
            | Base::Char(modifier)
            | Base::VarBit(modifier)
            | Base::Time(modifier)
            | Base::TimeTz(modifier)
            | Base::Timestamp(modifier)
            | Base::TimestampTz(modifier)
            | Base::Interval(modifier) => modifier.is_some(),
            Base::Bit(_) => true,
            _ => false,
        }
    }

    /// The type without its modifier, to compare type identities.
    fn without_modifier(self) -> Base {
        match self {
            Base::Numeric(_) => Base::Numeric(None),
            Base::Varchar(_) => Base::Varchar(None),
            Base::Char(_) => Base::Char(None),
            Base::Time(_) => Base::Time(None),
            Base::TimeTz(_) => Base::TimeTz(None),
            Base::Timestamp(_) => Base::Timestamp(None),
            Base::TimestampTz(_) => Base::TimestampTz(None),
            Base::Interval(_) => Base::Interval(None),
            Base::Bit(_) => Base::Bit(0),
            Base::VarBit(_) => Base::VarBit(None),
            other => other,
        }
    }

    /// A change of modifier only (same type): whether the type's
    /// length-coercion support function makes it a no-op.
    fn modifier_change_keeps(self, to: Base) -> bool {
        let longer = |from: Option<u32>, to: Option<u32>| match (from, to) {
            (_, None) => true,
            (Some(from), Some(to)) => to >= from,
            (None, Some(_)) => false,
        };
        let temporal = |from: Option<u32>, to: Option<u32>| {
            to == Some(MAX_TEMPORAL_PRECISION) || longer(from, to)
        };
        match (self, to) {
            (Base::Varchar(from), Base::Varchar(to)) | (Base::VarBit(from), Base::VarBit(to)) => {
                longer(from, to)
            }
            (Base::Numeric(from), Base::Numeric(to)) => match (from, to) {
                (_, None) => true,
                (Some((from_precision, from_scale)), Some((to_precision, to_scale))) => {
                    to_scale == from_scale && to_precision >= from_precision
                }
                (None, Some(_)) => false,
            },
            (Base::Time(from), Base::Time(to))
            | (Base::TimeTz(from), Base::TimeTz(to))
            | (Base::Timestamp(from), Base::Timestamp(to))
            | (Base::TimestampTz(from), Base::TimestampTz(to))
            | (Base::Interval(from), Base::Interval(to)) => temporal(from, to),
            // No support function: only the removal of the length (to
            // `bpchar`) skips the length coercion.
            (Base::Char(_), Base::Char(to)) => to.is_none(),
            _ => self == to,
        }
    }
}

/// The casts between the types above that `pg_cast` marks binary
/// coercible (`castmethod = 'b'`): the value is relabelled, not converted.
fn is_binary_coercible(from: Base, to: Base) -> bool {
    use Base::{Bit, Char, Cidr, Inet, Integer, Oid, Text, VarBit, Varchar, Xml};
    matches!(
        (from.without_modifier(), to.without_modifier()),
        (Varchar(None), Text | Char(_))
            | (Text, Varchar(None) | Char(_))
            | (Cidr, Inet)
            | (Bit(_), VarBit(None))
            | (VarBit(None), Bit(_))
            | (Integer, Oid)
            | (Oid, Integer)
            | (Xml, Text | Varchar(None) | Char(_))
    )
}

/// A column type: a known base type, perhaps an array of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PgType {
    base: Base,
    array: bool,
}

impl PgType {
    fn parse(spelling: &str) -> Option<PgType> {
        if let Some(array) = unbounded_bpchar(spelling) {
            return Some(PgType {
                base: Base::Char(None),
                array,
            });
        }
        let canonical = canonical_type(spelling);
        let (scalar, array) = match canonical.strip_suffix("[]") {
            Some(scalar) => (scalar, true),
            None => (canonical.as_str(), false),
        };
        Some(PgType {
            base: Base::parse(scalar)?,
            array,
        })
    }

    fn change_to(self, to: &PgType) -> TypeChangeRewrite {
        if self == *to {
            return TypeChangeRewrite::Kept;
        }
        if self.array || to.array {
            let same_element = self.array
                && to.array
                && self.base.without_modifier() == to.base.without_modifier()
                && !to.base.has_modifier();
            return if same_element {
                TypeChangeRewrite::Kept
            } else {
                TypeChangeRewrite::Rewritten
            };
        }
        let (from, to) = (self.base, to.base);
        if from.without_modifier() == to.without_modifier() {
            return if from.modifier_change_keeps(to) {
                TypeChangeRewrite::Kept
            } else {
                TypeChangeRewrite::Rewritten
            };
        }
        if is_binary_coercible(from, to) {
            return if to.has_modifier() {
                TypeChangeRewrite::Rewritten
            } else {
                TypeChangeRewrite::Kept
            };
        }
        match (from, to) {
            (Base::Timestamp(_), Base::TimestampTz(precision))
            | (Base::TimestampTz(_), Base::Timestamp(precision))
                if precision.is_none_or(|precision| precision == MAX_TEMPORAL_PRECISION) =>
            {
                TypeChangeRewrite::RewrittenUnlessUtc
            }
            _ => TypeChangeRewrite::Rewritten,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TypeChangeRewrite::{Kept, Rewritten, RewrittenUnlessUtc, Unknown};
    use super::*;

    #[test]
    fn the_changes_postgresql_makes_without_a_rewrite() {
        for (from, to, expected) in [
            ("varchar(10)", "varchar(20)", Kept),
            ("character varying(20)", "varchar(10)", Rewritten),
            ("varchar", "varchar(10)", Rewritten),
            ("varchar(10)", "text", Kept),
            ("text", "varchar", Kept),
            ("text", "varchar(10)", Rewritten),
            ("integer", "text", Rewritten),
            ("bytea", "text", Rewritten),
            ("integer", "bigint", Rewritten),
            ("numeric(10,2)", "numeric(12,2)", Kept),
            ("numeric(10,2)", "numeric(12,3)", Rewritten),
            ("numeric(10, 2)", "numeric", Kept),
            ("numeric", "numeric(10,2)", Rewritten),
            ("decimal(10)", "numeric(12,0)", Kept),
            ("timestamp(3)", "timestamp", Kept),
            ("timestamp", "timestamp(6)", Kept),
            ("timestamp", "timestamp(3)", Rewritten),
            ("timestamp", "timestamptz", RewrittenUnlessUtc),
            ("timestamp(3)", "timestamptz(3)", Rewritten),
            ("char(3)", "char(5)", Rewritten),
            ("bit(3)", "varbit", Kept),
            ("bit(3)", "varbit(5)", Rewritten),
            ("cidr", "inet", Kept),
            ("integer", "oid", Kept),
            ("xml", "text", Kept),
            ("varchar(10)[]", "varchar[]", Kept),
            ("varchar(10)[]", "varchar(20)[]", Rewritten),
            ("varchar(10)[]", "text[]", Rewritten),
            ("int[]", "integer[]", Kept),
            ("text", "bpchar", Kept),
            ("char(5)", "BPCHAR", Kept),
            ("bpchar", "char", Rewritten),
            ("integer", "integer[]", Rewritten),
            ("text", "citext", Unknown),
            ("\"public\".\"mood\"", "text", Unknown),
            ("interval", "interval day to second", Unknown),
        ] {
            assert_eq!(type_change_rewrite(from, to), expected, "{from} -> {to}");
        }
    }

    #[test]
    fn a_chain_of_conversions_rewrites_when_any_step_does() {
        assert_eq!(Kept.then(Kept), Kept);
        assert_eq!(Kept.then(RewrittenUnlessUtc), RewrittenUnlessUtc);
        assert_eq!(Unknown.then(Rewritten), Rewritten);
        assert_eq!(Kept.then(Unknown), Unknown);
    }
}
