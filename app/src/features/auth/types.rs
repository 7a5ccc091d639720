//! Who is logged in and what they may do.
use serde::{Deserialize, Serialize};

/// Roles are ordered: each one may do everything the ones below it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Analyst,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Whether this role includes the rights of `required`.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Role::Viewer),
            "analyst" => Ok(Role::Analyst),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role '{other}': use viewer, analyst or admin"
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The logged-in user as the browser sees it. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// The address the request came from, for the audit log (server side only).
    #[serde(skip)]
    pub ip: Option<String>,
}

/// A user as the admin's user list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The longest `next` path kept after login; a longer one goes to the Sales page.
const MAX_NEXT_PATH_BYTES: usize = 2048;

/// Where to go after logging in: only paths on this site, never another host.
pub fn safe_next_path(next: Option<&str>) -> String {
    match next {
        // No other host (`//x`), no backslashes or control characters (browsers drop tabs and
        // newlines, turning `/\t/x` into `//x`), never back to the login page.
        Some(path)
            if path.len() <= MAX_NEXT_PATH_BYTES
                && path.starts_with('/')
                && !path.starts_with("//")
                && !path.chars().any(|c| c == '\\' || c.is_control())
                && !path.starts_with("/login") =>
        {
            path.to_string()
        }
        _ => "/sales".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Analyst.allows(Role::Analyst));
        assert!(!Role::Viewer.allows(Role::Analyst));
        assert!(!Role::Analyst.allows(Role::Admin));
    }

    #[test]
    fn role_parses_case_insensitively() {
        assert_eq!("Admin".parse::<Role>(), Ok(Role::Admin));
        assert!("root"
            .parse::<Role>()
            .unwrap_err()
            .contains("viewer, analyst or admin"));
    }

    #[test]
    fn next_path_stays_on_site() {
        assert_eq!(
            safe_next_path(Some("/sales?from=2024-01-01")),
            "/sales?from=2024-01-01"
        );
        assert_eq!(safe_next_path(Some("//evil.example")), "/sales");
        assert_eq!(safe_next_path(Some("https://evil.example")), "/sales");
        assert_eq!(safe_next_path(Some("/\\evil.example")), "/sales");
        assert_eq!(safe_next_path(Some("/\t/evil.example")), "/sales");
        assert_eq!(safe_next_path(Some("/sales\\x")), "/sales");
        assert_eq!(safe_next_path(Some("/login")), "/sales");
        assert_eq!(safe_next_path(None), "/sales");
        assert_eq!(
            safe_next_path(Some(&format!("/{}", "x".repeat(4096)))),
            "/sales"
        );
    }
}

/// Rules for a new account, checked before anything is stored.
pub fn validate_new_user(email: &str, password: &str) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    let email = email.trim();
    validate_lengths(email, password)?;
    let at = email.find('@');
    if !matches!(at, Some(i) if i > 0 && i + 1 < email.len()) || email.contains(char::is_whitespace)
    {
        return Err(AppError::invalid(
            "email",
            format!("'{email}' is not an email address"),
        ));
    }
    validate_new_password("password", password)
}

/// Rules for a new password (`field` names it in the error).
pub fn validate_new_password(field: &str, password: &str) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            field,
            format!("must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::invalid(
            field,
            format!("must have at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The length limits of a login, checked before anything is looked up or hashed, so that nobody
/// can make the server hash megabytes.
pub fn validate_lengths(email: &str, password: &str) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    if email.trim().len() > MAX_EMAIL_BYTES {
        return Err(AppError::invalid(
            "email",
            format!("must have at most {MAX_EMAIL_BYTES} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::invalid(
            "password",
            format!("must have at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_BYTES: usize = 254;
/// The longest password; longer ones are refused before hashing.
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[cfg(test)]
mod new_user_tests {
    use super::*;

    #[test]
    fn new_user_rules() {
        assert!(validate_new_user("ana@shop.example", "long enough pw").is_ok());
        assert!(validate_new_user("ana", "long enough pw")
            .unwrap_err()
            .to_string()
            .starts_with("email:"));
        assert!(validate_new_user("@shop", "long enough pw").is_err());
        assert!(validate_new_user("ana@shop.example", "short")
            .unwrap_err()
            .to_string()
            .starts_with("password:"));
        let long_email = format!("{}@shop.example", "a".repeat(250));
        assert_eq!(
            validate_new_user(&long_email, "long enough pw")
                .unwrap_err()
                .to_string(),
            "email: must have at most 254 characters"
        );
        assert!(validate_new_user("ana@shop.example", &"p".repeat(1024)).is_ok());
        assert_eq!(
            validate_new_user("ana@shop.example", &"p".repeat(1025))
                .unwrap_err()
                .to_string(),
            "password: must have at most 1024 bytes"
        );
        assert!(validate_new_password("new", "short")
            .unwrap_err()
            .to_string()
            .starts_with("new:"));
    }
}
