//! The set of profiles a run can use: the shipped ones, compiled into the
//! binary, plus any the user adds with `--profiles-dir` or a file path.
//!
//! A user file whose id matches a shipped profile replaces it (so a site can
//! correct a profile without rebuilding); two user files with the same id are
//! an error, because which one wins would depend on file order.
//!
//! Ids and aliases share one name space: `-p dsa-12` must mean one profile.
//! An alias that clashes with another profile's id or alias is an error,
//! except that a shipped alias yields to a user file (a site that writes its
//! own `dsa-12` profile gets it, and the shipped `dsa-11` loses that alias).

use std::path::{Path, PathBuf};

use super::locate::{Seg, locate};
use super::{Location, Origin, Profile, ProfileError, ProfileErrorKind, Role};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_profiles.rs"));
}

/// Profiles by id, shipped ones first, in a stable order.
#[derive(Debug, Clone)]
pub struct Catalog {
    profiles: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    profile: Profile,
    /// Where the `id` scalar is, for duplicate-id messages.
    id_at: Option<Location>,
    /// Where each alias is, in the order of `profile.aliases`.
    aliases_at: Vec<Option<Location>>,
}

impl Entry {
    /// `file:line:column` of the node at `at`, or the file alone.
    fn place(&self, at: Option<Location>) -> String {
        match at {
            Some(at) => format!("{}:{at}", self.profile.origin),
            None => self.profile.origin.to_string(),
        }
    }

    /// Every name of this profile: (name, is an alias, where it is defined).
    fn names(&self) -> impl Iterator<Item = (&str, bool, Option<Location>)> {
        std::iter::once((self.profile.id.as_str(), false, self.id_at)).chain(
            self.profile
                .aliases
                .iter()
                .zip(&self.aliases_at)
                .map(|(a, at)| (a.as_str(), true, *at)),
        )
    }
}

/// A profile argument that is neither a known id nor a readable file.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown profile {}{} (see `tlscompat profiles list`)",
    crate::base::input::excerpt(input),
    crate::base::suggest::did_you_mean(suggestions)
)]
pub struct UnknownProfile {
    /// What the user wrote.
    pub input: String,
    /// The closest ids.
    pub suggestions: Vec<String>,
}

impl Catalog {
    /// The shipped profiles.
    pub fn builtin() -> Result<Catalog, ProfileError> {
        let mut catalog = Catalog {
            profiles: Vec::new(),
        };
        for (file, text) in embedded::EMBEDDED {
            catalog.insert(text, Origin::Builtin(file), false)?;
        }
        // Agents before managers, and 9.6 before 10.0 before 10.0-u16.
        catalog.profiles.sort_by(|a, b| {
            (a.profile.role, natural_key(&a.profile.id))
                .cmp(&(b.profile.role, natural_key(&b.profile.id)))
        });
        Ok(catalog)
    }

    /// An empty catalog, for validating files on their own.
    pub fn empty() -> Catalog {
        Catalog {
            profiles: Vec::new(),
        }
    }

    /// Adds every `*.yaml`/`*.yml` file of `dir`, in file-name order.
    pub fn add_dir(&mut self, dir: &Path) -> Result<Vec<String>, ProfileError> {
        let read_err = |e: std::io::Error| ProfileError {
            origin: Origin::File(dir.to_path_buf()),
            location: None,
            kind: ProfileErrorKind::Read(e.into()),
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        files.iter().map(|f| self.add_file(f)).collect()
    }

    /// Adds one file; returns the id it defines. A file already loaded (by
    /// any spelling of its path) is not loaded again.
    pub fn add_file(&mut self, path: &Path) -> Result<String, ProfileError> {
        self.add_file_all(path)
            .map_err(|mut all| all.swap_remove(0))
    }

    /// [`Catalog::add_file`], with every problem of the file (at least one)
    /// rather than the first.
    pub fn add_file_all(&mut self, path: &Path) -> Result<String, Vec<ProfileError>> {
        if let Some(id) = self.loaded_from(path) {
            return Ok(id);
        }
        let origin = Origin::File(path.to_path_buf());
        let text = crate::base::input::read_yaml(path, crate::base::input::Kind::Profile).map_err(
            |e| {
                vec![ProfileError {
                    origin: origin.clone(),
                    location: None,
                    kind: ProfileErrorKind::Read(e),
                }]
            },
        )?;
        let profile = Profile::parse_all(&text, origin)?;
        self.insert_parsed(&text, profile, true)
            .map_err(|e| vec![e])
    }

    /// The id of the profile loaded from the file at `path`, if any.
    fn loaded_from(&self, path: &Path) -> Option<String> {
        let wanted = std::fs::canonicalize(path).ok()?;
        self.all()
            .find(|p| match &p.origin {
                Origin::File(f) => std::fs::canonicalize(f).is_ok_and(|f| f == wanted),
                Origin::Builtin(_) => false,
            })
            .map(|p| p.id.clone())
    }

    fn insert(
        &mut self,
        text: &str,
        origin: Origin,
        may_override: bool,
    ) -> Result<String, ProfileError> {
        let profile = Profile::parse(text, origin)?;
        self.insert_parsed(text, profile, may_override)
    }

    /// Adds a parsed profile (from `text`) once its names are checked.
    fn insert_parsed(
        &mut self,
        text: &str,
        profile: Profile,
        may_override: bool,
    ) -> Result<String, ProfileError> {
        let id_at = locate(text, &[Seg::Key("id")]);
        let aliases_at = (0..profile.aliases.len())
            .map(|i| locate(text, &[Seg::Key("aliases"), Seg::Index(i)]))
            .collect();
        let entry = Entry {
            profile,
            id_at,
            aliases_at,
        };
        let id = entry.profile.id.clone();
        // A user file with a shipped id replaces that profile: it is out of
        // the name space from here on.
        let replaces = self.profiles.iter().position(|e| {
            may_override && e.profile.id == id && matches!(e.profile.origin, Origin::Builtin(_))
        });
        self.check_names(&entry, replaces, may_override)?;
        match replaces {
            Some(i) => self.profiles[i] = entry,
            None => self.profiles.push(entry),
        }
        Ok(id)
    }

    /// Fails when a name of `new` is already an id or alias of another
    /// profile (but the one at `replaces`); drops shipped aliases that a
    /// user file (`may_override`) takes over.
    fn check_names(
        &mut self,
        new: &Entry,
        replaces: Option<usize>,
        may_override: bool,
    ) -> Result<(), ProfileError> {
        for (i, old) in self.profiles.iter_mut().enumerate() {
            if Some(i) == replaces {
                continue;
            }
            for (name, new_is_alias, new_at) in new.names() {
                let Some((_, old_is_alias, old_at)) = old.names().find(|(n, ..)| *n == name) else {
                    continue;
                };
                if old_is_alias && may_override && matches!(old.profile.origin, Origin::Builtin(_))
                {
                    let k = old.profile.aliases.iter().position(|a| a == name);
                    if let Some(k) = k {
                        old.profile.aliases.remove(k);
                        old.aliases_at.remove(k);
                    }
                    continue;
                }
                let first = old.place(old_at);
                let kind = match (new_is_alias, old_is_alias) {
                    (false, false) => ProfileErrorKind::DuplicateId {
                        id: name.to_string(),
                        first,
                    },
                    _ => ProfileErrorKind::NameTaken {
                        what: if new_is_alias { "alias" } else { "profile id" },
                        name: name.to_string(),
                        clash: if old_is_alias {
                            format!("an alias of {} (first defined at {first})", old.profile.id)
                        } else {
                            format!("the id of another profile (first defined at {first})")
                        },
                    },
                };
                return Err(ProfileError {
                    origin: new.profile.origin.clone(),
                    location: new_at,
                    kind,
                });
            }
        }
        Ok(())
    }

    /// Every profile, shipped ones first.
    pub fn all(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter().map(|e| &e.profile)
    }

    /// Profiles of one role.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = &Profile> {
        self.all().filter(move |p| p.role == role)
    }

    /// The profile with this id (not an alias: see [`Catalog::find`]).
    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.all().find(|p| p.id == id)
    }

    /// The profiles with these ids, cloned: what a job is handed once every
    /// argument is resolved (a user file resolved later may replace a
    /// shipped profile with the same id, so build after resolving).
    pub fn built(&self, ids: &[String]) -> Result<Vec<Profile>, ResolveError> {
        ids.iter()
            .map(|id| {
                self.get(id).cloned().ok_or_else(|| {
                    ResolveError::Unknown(UnknownProfile {
                        input: id.clone(),
                        suggestions: crate::base::suggest::closest(
                            id,
                            self.all().map(|p| p.id.as_str()),
                        ),
                    })
                })
            })
            .collect()
    }

    /// [`Catalog::built`] for one id.
    pub fn built_one(&self, id: &str) -> Result<Profile, ResolveError> {
        let mut one = self.built(&[id.to_string()])?;
        Ok(one.swap_remove(0))
    }

    /// The profile with this id or alias.
    pub fn find(&self, name: &str) -> Option<&Profile> {
        self.get(name)
            .or_else(|| self.all().find(|p| p.aliases.iter().any(|a| a == name)))
    }

    /// Resolves a command-line profile argument to a profile id: an id, an
    /// alias, or else a path to a profile file (which is loaded and added).
    pub fn resolve(&mut self, arg: &str) -> Result<String, ResolveError> {
        if let Some(p) = self.find(arg) {
            return Ok(p.id.clone());
        }
        let path = Path::new(arg);
        let looks_like_file = path.is_file()
            || arg.contains(std::path::MAIN_SEPARATOR)
            || path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if looks_like_file {
            return self.add_file(path).map_err(ResolveError::Profile);
        }
        // Ids and aliases are suggested as themselves; a name that matches
        // suggests its profile's id.
        let candidates = self.all().flat_map(|p| {
            std::iter::once((p.id.as_str(), p.id.as_str()))
                .chain(p.aliases.iter().map(|a| (a.as_str(), a.as_str())))
                .chain(std::iter::once((p.name.as_str(), p.id.as_str())))
        });
        Err(ResolveError::Unknown(UnknownProfile {
            input: arg.to_string(),
            suggestions: crate::base::suggest::closest_by(arg, candidates),
        }))
    }
}

/// Splits an id into text and number runs, so `dsa-9.6` sorts before `dsa-10.0`.
fn natural_key(id: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = id.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = u64::from(c as u8 - b'0');
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            key.push((std::mem::take(&mut text), n));
        } else {
            text.push(c);
        }
    }
    key.push((text, 0));
    key
}

/// Why a profile argument could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Neither an id nor a file.
    #[error(transparent)]
    Unknown(UnknownProfile),
    /// A file that does not hold a valid profile.
    #[error(transparent)]
    Profile(ProfileError),
}
