//! People who shop, and where they live.

pub mod user_schema;

pub use user_schema::{Address, User, UserRole};

/// The name shown for a user: the display name, or the part of the e-mail
/// address before the `@`.
pub fn shown_name(user: &User) -> &str {
    if user.display_name.trim().is_empty() {
        user.email.split('@').next().unwrap_or(&user.email)
    } else {
        &user.display_name
    }
}
