//! Authentication and roles: user accounts with argon2 password hashes in a JSON file, bearer
//! tokens in memory with an expiry, and the role check every endpoint makes.
//!
//! There is no default password. When the users file does not exist, [`UserStore::open`]
//! creates one account per role with a random password and hands the clear-text credentials
//! back once, for the caller to print; only the hashes are written (file mode 0600 on Unix).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tessera_runtime::Role;
use thiserror::Error;

/// An authentication failure.
#[derive(Debug, Error)]
pub enum AuthError {
    #[error("users file {path}: {what}")]
    Store { path: PathBuf, what: String },
    #[error("{0}")]
    Invalid(String),
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub role: Role,
    /// Argon2id PHC string.
    pub hash: String,
}

/// Generated credentials, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub role: Role,
    pub password: String,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub username: String,
    pub role: Role,
}

/// Most characters in a user name.
pub const MAX_USERNAME: usize = 64;

/// A random password of `n` alphanumeric characters (from the thread's CSPRNG).
pub fn random_password(n: usize) -> String {
    const SET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut r = rand::rng();
    (0..n)
        .map(|_| char::from(SET[r.random_range(0..SET.len())]))
        .collect()
}

fn hash(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Invalid(format!("hashing: {e}")))
}

fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn valid_username(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= MAX_USERNAME
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Accounts and live tokens.
pub struct UserStore {
    path: PathBuf,
    accounts: Mutex<Vec<Account>>,
    tokens: Mutex<HashMap<String, (Caller, Instant)>>,
    ttl: Duration,
}

impl UserStore {
    /// Opens the users file, creating it with one generated account per role when absent
    /// (the generated credentials are returned; otherwise the list is empty).
    pub fn open(path: &Path) -> Result<(Self, Vec<Credential>), AuthError> {
        let err = |what: String| AuthError::Store {
            path: path.to_path_buf(),
            what,
        };
        let mut created = Vec::new();
        let accounts = if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
            let accounts: Vec<Account> =
                serde_json::from_str(&text).map_err(|e| err(format!("not valid: {e}")))?;
            if accounts.is_empty() {
                return Err(err("no accounts".into()));
            }
            accounts
        } else {
            let mut accounts = Vec::new();
            for role in [Role::Admin, Role::Operator, Role::Observer] {
                let password = random_password(20);
                accounts.push(Account {
                    username: role.as_str().to_string(),
                    role,
                    hash: hash(&password)?,
                });
                created.push(Credential {
                    username: role.as_str().to_string(),
                    role,
                    password,
                });
            }
            accounts
        };
        let store = Self {
            path: path.to_path_buf(),
            accounts: Mutex::new(accounts),
            tokens: Mutex::new(HashMap::new()),
            ttl: Duration::from_secs(12 * 3600),
        };
        if !created.is_empty() {
            store.save()?;
        }
        Ok((store, created))
    }

    fn save(&self) -> Result<(), AuthError> {
        let err = |what: String| AuthError::Store {
            path: self.path.clone(),
            what,
        };
        let text = serde_json::to_string_pretty(&*self.accounts.lock().expect("accounts"))
            .map_err(|e| err(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| err(e.to_string()))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| err(e.to_string()))
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Checks a password; a new token on success.
    pub fn login(&self, username: &str, password: &str) -> Option<(String, Caller)> {
        let account = self
            .accounts
            .lock()
            .expect("accounts")
            .iter()
            .find(|a| a.username == username)
            .cloned();
        // Verify against a dummy hash for unknown users too, so timing does not tell.
        let ok = match &account {
            Some(a) => verify(password, &a.hash),
            None => {
                let _ = verify(password, dummy_hash());
                false
            }
        };
        let a = account.filter(|_| ok)?;
        let mut bytes = [0u8; 32];
        rand::rng().fill(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let caller = Caller {
            username: a.username,
            role: a.role,
        };
        let mut t = self.tokens.lock().expect("tokens");
        let now = Instant::now();
        t.retain(|_, (_, exp)| *exp > now);
        t.insert(token.clone(), (caller.clone(), now + self.ttl));
        Some((token, caller))
    }

    /// The caller a token stands for, if it is live.
    pub fn caller(&self, token: &str) -> Option<Caller> {
        let t = self.tokens.lock().expect("tokens");
        t.get(token)
            .filter(|(_, exp)| *exp > Instant::now())
            .map(|(c, _)| c.clone())
    }

    pub fn logout(&self, token: &str) {
        self.tokens.lock().expect("tokens").remove(token);
    }

    /// Accounts without their hashes.
    pub fn list(&self) -> Vec<(String, Role)> {
        self.accounts
            .lock()
            .expect("accounts")
            .iter()
            .map(|a| (a.username.clone(), a.role))
            .collect()
    }

    /// Creates (or replaces the password and role of) an account.
    pub fn upsert(&self, username: &str, password: &str, role: Role) -> Result<(), AuthError> {
        if !valid_username(username) {
            return Err(AuthError::Invalid(format!(
                "username must be 1-{MAX_USERNAME} characters of A-Z a-z 0-9 - _ ."
            )));
        }
        if password.chars().count() < 12 || password.len() > 256 {
            return Err(AuthError::Invalid(
                "password must be 12 to 256 characters".into(),
            ));
        }
        let h = hash(password)?;
        {
            let mut a = self.accounts.lock().expect("accounts");
            match a.iter_mut().find(|x| x.username == username) {
                Some(x) => {
                    x.hash = h;
                    x.role = role;
                }
                None => a.push(Account {
                    username: username.to_string(),
                    role,
                    hash: h,
                }),
            }
        }
        // Existing sessions of that user end (their role may have changed).
        self.tokens
            .lock()
            .expect("tokens")
            .retain(|_, (c, _)| c.username != username);
        self.save()
    }
}

/// A hash of a random string, for constant-work failures on unknown user names.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash(&random_password(20)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_run_generates_credentials_and_only_hashes_are_stored() {
        let dir = std::env::temp_dir().join(format!("tessera-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users.json");
        let (store, creds) = UserStore::open(&path).unwrap();
        assert_eq!(creds.len(), 3);
        let text = std::fs::read_to_string(&path).unwrap();
        for c in &creds {
            assert!(!text.contains(&c.password), "clear-text password stored");
            assert!(c.password.len() >= 20);
        }
        let op = creds.iter().find(|c| c.role == Role::Operator).unwrap();
        let (token, caller) = store.login("operator", &op.password).unwrap();
        assert_eq!(caller.role, Role::Operator);
        assert_eq!(store.caller(&token), Some(caller));
        assert!(store.login("operator", "wrong").is_none());
        assert!(store.login("nobody", &op.password).is_none());
        store.logout(&token);
        assert!(store.caller(&token).is_none());
        // The second open finds the file and generates nothing.
        let (again, creds2) = UserStore::open(&path).unwrap();
        assert!(creds2.is_empty());
        assert!(again.login("operator", &op.password).is_some());
        assert!(
            again
                .upsert("bad name", "long enough password", Role::Observer)
                .is_err()
        );
        assert!(again.upsert("short", "tiny", Role::Observer).is_err());
        again
            .upsert("watch1", "long enough password", Role::Observer)
            .unwrap();
        assert_eq!(
            again
                .login("watch1", "long enough password")
                .unwrap()
                .1
                .role,
            Role::Observer
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
