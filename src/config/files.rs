//! The file-reading edge of `config`: bounded reads, UTF-8 with positions, schema paths kept
//! inside the project.

use std::path::{Path, PathBuf};

use super::MAX_FILE_BYTES;
use crate::error::{Error, Location, Result};

/// A schema file of plugins.toml, resolved: `None` when it does not exist; an error at the
/// schema string when it resolves (symbolic links followed) outside `root` or to anything but
/// a regular file.
pub(super) fn inside_project(root: &Path, full: &Path, at: &Location) -> Result<Option<PathBuf>> {
    let real = match std::fs::canonicalize(full) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::at(
                at.clone(),
                format!("cannot read schema file {}: {e}", full.display()),
            ))
        }
    };
    let real_root = std::fs::canonicalize(root).map_err(|e| {
        Error::at(
            at.clone(),
            format!(
                "cannot resolve the project directory {}: {e}",
                root.display()
            ),
        )
    })?;
    if !real.starts_with(&real_root) {
        return Err(Error::at_help(
            at.clone(),
            format!(
                "schema file {} resolves to {}, outside the project ({})",
                full.display(),
                real.display(),
                real_root.display()
            ),
            "schema files of plugins.toml must be inside its directory: move or copy the file there (a file anywhere can be given with --schema)",
        ));
    }
    let metadata = std::fs::metadata(&real).map_err(|e| {
        Error::at(
            at.clone(),
            format!("cannot read schema file {}: {e}", full.display()),
        )
    })?;
    if !metadata.is_file() {
        return Err(Error::at_help(
            at.clone(),
            format!(
                "schema file {} is not a regular file (a directory, a device or a pipe)",
                full.display()
            ),
            "name a .sql file",
        ));
    }
    Ok(Some(real))
}

/// Why a file could not be read.
pub(super) enum Read {
    Io(std::io::Error),
    TooLarge,
}

/// The bytes of `path`, never more than [`MAX_FILE_BYTES`] (a device like /dev/zero stops
/// there too).
pub(super) fn read_bounded(path: &Path) -> std::result::Result<Vec<u8>, Read> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(Read::Io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(Read::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Read::TooLarge);
    }
    Ok(bytes)
}

/// What to do about a file larger than [`MAX_FILE_BYTES`].
pub(super) const TOO_LARGE_HELP: &str = "split it into several files";

/// A file larger than [`MAX_FILE_BYTES`] (without [`TOO_LARGE_HELP`]).
pub(super) fn too_large_message(path: &str) -> String {
    format!(
        "{path} is larger than {} MiB, the most plinth reads",
        MAX_FILE_BYTES >> 20
    )
}

/// A file given on the command line, or plugins.toml, is larger than [`MAX_FILE_BYTES`].
pub(super) fn too_large(path: &str) -> Error {
    Error::usage(format!("{}; {TOO_LARGE_HELP}", too_large_message(path)))
}

/// File bytes as text: UTF-8 without NUL bytes, else an error at the first bad byte (line and
/// column in characters, as every position plinth reports).
pub fn decode(path: &str, bytes: Vec<u8>) -> Result<String> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // The valid prefix decodes: count lines and characters in it.
            let prefix = String::from_utf8_lossy(&bytes[..good]);
            let bad = bytes[good..].iter().take(4).map(|b| format!("0x{b:02X}"));
            return Err(Error::at_help(
                position(path, &prefix),
                format!("invalid UTF-8 (byte {})", bad.collect::<Vec<_>>().join(" ")),
                "save the file as UTF-8",
            ));
        }
    };
    if let Some(nul) = text.find('\0') {
        return Err(Error::at_help(
            position(path, &text[..nul]),
            "NUL byte",
            "remove it (no database takes NUL in DDL, and it is often a sign of a UTF-16 file: save it as UTF-8)",
        ));
    }
    Ok(text)
}

/// The position just after `prefix`.
fn position(path: &str, prefix: &str) -> Location {
    let line = prefix.matches('\n').count() + 1;
    let start = prefix.rfind('\n').map_or(0, |n| n + 1);
    let column = prefix[start..].chars().count() + 1;
    Location::new(path, line as u64, column as u64)
}

#[cfg(test)]
mod tests {
    use super::super::{adhoc, load_project, parse, read};
    use super::*;
    use crate::model::Dialect;

    const TABLE: &str = "CREATE TABLE t (id integer PRIMARY KEY);\n";

    fn project(dir: &Path, schema: &str) -> super::super::Project {
        let toml = format!("[plugins.p]\nschema = [\"{schema}\"]\ntables = [\"t\"]\n");
        std::fs::write(dir.join("plugins.toml"), &toml).unwrap();
        read(&dir.join("plugins.toml")).unwrap()
    }

    fn load_err(dir: &Path, schema: &str) -> String {
        let p = project(dir, schema);
        load_project(&p, Dialect::Sqlite).unwrap_err().to_string()
    }

    #[test]
    fn invalid_utf8_and_nul_have_positions() {
        let err = decode(
            "a.sql",
            b"CREATE TABLE \xc3\xa9t (\n  x int, \xff\xfe)".to_vec(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("a.sql:2:10: invalid UTF-8 (byte 0xFF 0xFE"),
            "{err}"
        );
        let err = decode("a.sql", b"\n\n  a\0b".to_vec())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("a.sql:3:4: NUL byte"), "{err}");
        // A UTF-8 sequence cut short at the end of the file.
        let err = decode("a.sql", b"ab\xe2\x82".to_vec())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("a.sql:1:3: invalid UTF-8"), "{err}");
        assert_eq!(decode("a.sql", "é🦀".as_bytes().to_vec()).unwrap(), "é🦀");
    }

    #[test]
    fn reads_stop_at_the_limit() {
        // /dev/zero never ends: the read stops one byte past the limit.
        match read_bounded(Path::new("/dev/zero")) {
            Err(Read::TooLarge) => {}
            Err(Read::Io(e)) => panic!("{e}"),
            Ok(b) => panic!("read {} bytes", b.len()),
        }
        let err = adhoc(&[PathBuf::from("/dev/zero")], Dialect::Sqlite)
            .unwrap_err()
            .to_string();
        assert!(err.contains("larger than 64 MiB"), "{err}");
        let err = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(err.contains("larger than 64 MiB"), "{err}");
    }

    #[test]
    fn schema_paths_stay_inside_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        std::fs::create_dir_all(root.join("schemas")).unwrap();
        std::fs::write(root.join("schemas/t.sql"), TABLE).unwrap();
        std::fs::write(dir.path().join("outside.sql"), TABLE).unwrap();
        // Inside, through `..` that stays inside: fine.
        let p = project(&root, "schemas/../schemas/t.sql");
        load_project(&p, Dialect::Sqlite).unwrap();
        // `..` out of the project, and absolute paths: errors at the schema string.
        for (schema, words) in [
            ("../outside.sql", "leads out of the project"),
            ("schemas/../../outside.sql", "leads out of the project"),
            ("/etc/passwd", "is absolute"),
        ] {
            let toml = format!("[plugins.p]\nschema = [\"{schema}\"]\ntables = [\"t\"]\n");
            let err = parse("plugins.toml", &toml).unwrap_err().to_string();
            assert!(err.starts_with("plugins.toml:2:11: "), "{err}");
            assert!(err.contains(words) && err.contains("--schema"), "{err}");
        }
        // A symbolic link out of the project: refused once resolved.
        std::os::unix::fs::symlink(
            dir.path().join("outside.sql"),
            root.join("schemas/link.sql"),
        )
        .unwrap();
        let err = load_err(&root, "schemas/link.sql");
        assert!(
            err.contains(":2:11: ") && err.contains("outside the project"),
            "{err}"
        );
        // A symbolic link inside the project is followed.
        std::os::unix::fs::symlink(root.join("schemas/t.sql"), root.join("schemas/in.sql"))
            .unwrap();
        let p = project(&root, "schemas/in.sql");
        load_project(&p, Dialect::Sqlite).unwrap();
    }

    #[test]
    fn schema_files_are_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("adir")).unwrap();
        let err = load_err(root, "adir");
        assert!(
            err.contains(":2:11: ") && err.contains("not a regular file"),
            "{err}"
        );
        // A FIFO would block a read: refused before it is opened.
        let fifo = root.join("fifo.sql");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let err = load_err(root, "fifo.sql");
            assert!(err.contains("not a regular file"), "{err}");
        }
        // A device, through a link inside the project (the device itself is outside).
        std::os::unix::fs::symlink("/dev/zero", root.join("zero.sql")).unwrap();
        let err = load_err(root, "zero.sql");
        assert!(err.contains("outside the project"), "{err}");
    }

    #[test]
    fn schema_files_are_decoded_with_positions() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("bad.sql"),
            b"CREATE TABLE t (\n id integer \xff);",
        )
        .unwrap();
        let err = load_err(root, "bad.sql");
        assert!(
            err.ends_with(
                "bad.sql:2:13: invalid UTF-8 (byte 0xFF 0x29 0x3B); save the file as UTF-8"
            ),
            "{err}"
        );
        std::fs::write(
            root.join("plugins.toml"),
            b"[plugins.p]\nschema = [\"\xc0\"]",
        )
        .unwrap();
        let err = read(&root.join("plugins.toml")).unwrap_err().to_string();
        assert!(err.contains("plugins.toml:2:12: invalid UTF-8"), "{err}");
    }
}
