//! The GitLab project path from the git remote of the checked folder, read offline from
//! `.git/config` (no git command): `origin`'s URL (else the first remote's), when its host
//! is the GitLab host or looks like a GitLab one.

use std::fs;
use std::path::{Path, PathBuf};

/// The project path (`group/subgroup/project`) of the repository holding `start`.
pub fn project(start: &Path, gitlab_host: &str) -> Option<String> {
    let config = fs::read_to_string(git_dir(start)?.join("config")).ok()?;
    project_of_url(&remote_url(&config)?, gitlab_host)
}

/// The project path in a remote URL, when the URL is a GitLab one.
fn project_of_url(url: &str, gitlab_host: &str) -> Option<String> {
    let (host, path) = split_url(url)?;
    let gitlab =
        host.eq_ignore_ascii_case(gitlab_host) || host.to_ascii_lowercase().contains("gitlab");
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    (gitlab && path.contains('/') && !path.contains("//")).then(|| path.to_string())
}

/// The `.git` folder of the repository holding `start` (a `.git` file, as in worktrees
/// and submodules, points to it with `gitdir:`).
fn git_dir(start: &Path) -> Option<PathBuf> {
    let start = fs::canonicalize(start).ok()?;
    let folder = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    folder.ancestors().find_map(|dir| {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return Some(dot_git);
        }
        let text = fs::read_to_string(&dot_git).ok()?;
        let target = text.trim().strip_prefix("gitdir:")?.trim();
        Some(dir.join(target))
    })
}

/// `origin`'s URL in a git config, else the first remote's.
fn remote_url(config: &str) -> Option<String> {
    let mut remotes: Vec<(String, String)> = Vec::new();
    let mut section: Option<String> = None;
    for line in config.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header
                .strip_prefix("remote")
                .map(|name| name.trim().trim_matches('"').to_string());
            continue;
        }
        let Some(name) = &section else { continue };
        if let Some((key, value)) = line.split_once('=') {
            if key.trim().eq_ignore_ascii_case("url") {
                remotes.push((name.clone(), value.trim().trim_matches('"').to_string()));
            }
        }
    }
    remotes
        .iter()
        .find(|(name, _)| name == "origin")
        .or_else(|| remotes.first())
        .map(|(_, url)| url.clone())
}

/// The host and path of a git URL: `https://[user@]host[:port]/path`,
/// `ssh://[user@]host[:port]/path`, or scp-like `[user@]host:path`.
fn split_url(url: &str) -> Option<(String, String)> {
    if let Some((_, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?;
        let host = host.split(':').next()?;
        return Some((host.to_string(), path.to_string()));
    }
    let (authority, path) = url.split_once(':')?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty() && !host.contains('/')).then(|| (host.to_string(), path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        for (url, expected) in [
            (
                "git@gitlab.com:mygroup/myproject.git",
                Some("mygroup/myproject"),
            ),
            ("https://gitlab.com/a/b/c.git", Some("a/b/c")),
            ("https://oauth2:tok@gitlab.com/a/b", Some("a/b")),
            (
                "ssh://git@gitlab.example.com:2222/team/app.git",
                Some("team/app"),
            ),
            ("https://github.com/a/b.git", None),
            ("https://code.corp.example/a/b.git", None),
            ("/local/path/repo", None),
        ] {
            assert_eq!(
                project_of_url(url, "gitlab.com").as_deref(),
                expected,
                "{url}"
            );
        }
        assert_eq!(
            project_of_url("https://code.corp.example/a/b.git", "code.corp.example").as_deref(),
            Some("a/b")
        );
    }

    #[test]
    fn origin_wins() {
        let config = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://gitlab.com/up/x.git\n[remote \"origin\"]\n\turl = git@gitlab.com:me/x.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n";
        assert_eq!(
            remote_url(config).as_deref(),
            Some("git@gitlab.com:me/x.git")
        );
    }

    #[test]
    fn reads_the_repository_of_the_checked_folder() {
        let root =
            std::env::temp_dir().join(format!("trustlint-git-remote-{}", std::process::id()));
        let nested = root.join("iam");
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::create_dir_all(&nested).unwrap();
        fs::write(
            root.join(".git/config"),
            "[remote \"origin\"]\n\turl = https://gitlab.example.com/platform/deploy.git\n",
        )
        .unwrap();
        assert_eq!(
            project(&nested, "gitlab.example.com").as_deref(),
            Some("platform/deploy")
        );
        fs::remove_dir_all(&root).unwrap();
    }
}
