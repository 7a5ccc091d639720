//! A private PostgreSQL for StorePulse alone: `initdb` once into the data folder, `postgres` on a
//! Unix socket inside it (no TCP port), stopped again on shutdown. While the server runs,
//! `db::supervise` restarts it if it dies; CLI commands run beside a server only `attach` to it.
//!
//! PostgreSQL refuses to run as root. When StorePulse runs as root (containers, CI machines),
//! the cluster is owned by and run as an unprivileged account (`postgres`, else `nobody`).
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{bail, Context};
use nix::unistd::{Gid, Uid, User};
use sqlx::postgres::PgConnectOptions;
use tokio::process::Command;

/// Where Debian and most distributions put the server binaries.
const BIN_DIR_GLOBS: &[&str] = &[
    "/usr/lib/postgresql",
    "/usr/local/pgsql/bin",
    "/opt/homebrew/bin",
];
const DATABASE: &str = "storepulse";
const SUPERUSER: &str = "postgres";
/// The module that reads the pages held before a restart back into shared buffers.
const PREWARM: &str = "pg_prewarm";

#[derive(Clone)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<(Uid, Gid)>,
}

impl EmbeddedPostgres {
    /// Creates the cluster if needed and starts it; adopts one left running by a crashed process.
    pub async fn start(data_dir: &Path, bin_dir: Option<&Path>) -> anyhow::Result<Self> {
        let bin_dir = self::bin_dir(bin_dir)?;
        for tool in ["initdb", "pg_ctl", "postgres"] {
            if !bin_dir.join(tool).exists() {
                bail!("{} has no `{tool}`: set STOREPULSE_PG_BIN_DIR to the folder of the PostgreSQL server binaries", bin_dir.display());
            }
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let pg = Self::at(data_dir, bin_dir)?;
        pg.prepare_folders()?;
        if !pg.data_dir.join("PG_VERSION").exists() {
            pg.initdb().await?;
        }
        if pg.is_running().await {
            tracing::info!(data_dir = %pg.data_dir.display(), "adopting the embedded PostgreSQL left running");
        } else {
            pg.remove_stale_lock_files()?;
            pg.start_server().await?;
        }
        pg.create_database().await?;
        Ok(pg)
    }

    /// The cluster in `data_dir` as another process runs it: only its socket is used, nothing is
    /// started or stopped.
    pub fn attach(data_dir: &Path, bin_dir: PathBuf) -> anyhow::Result<Self> {
        let pg = Self::at(data_dir, bin_dir)?;
        pg.check_socket_dir()?;
        Ok(pg)
    }

    /// The cluster in `data_dir` (which must exist), its socket folder and account.
    fn at(data_dir: &Path, bin_dir: PathBuf) -> anyhow::Result<Self> {
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("no embedded database in {}", data_dir.display()))?;
        Ok(EmbeddedPostgres {
            socket_dir: socket_dir_for(&data_dir)?,
            data_dir,
            bin_dir,
            run_as: unprivileged_account()?,
        })
    }

    /// Whether the postmaster named in `postmaster.pid` is alive (a zombie is not). Cheap: no
    /// connection, no child process.
    pub fn postmaster_alive(&self) -> bool {
        pid_in(&self.data_dir.join("postmaster.pid")).is_some_and(process_alive)
    }

    /// Starts the server again after it died (crash recovery replays its log: nothing committed
    /// is lost).
    pub async fn restart(&self) -> anyhow::Result<()> {
        self.remove_stale_lock_files()?;
        self.start_server().await
    }

    /// A postmaster killed with SIGKILL leaves `postmaster.pid` and the socket's lock file
    /// behind; they are removed only when the process they name is gone.
    fn remove_stale_lock_files(&self) -> anyhow::Result<()> {
        for file in [
            self.data_dir.join("postmaster.pid"),
            self.socket_dir.join(".s.PGSQL.5432.lock"),
        ] {
            if let Some(pid) = pid_in(&file) {
                if !process_alive(pid) {
                    tracing::info!(file = %file.display(), pid, "removing the lock file of a PostgreSQL that is gone");
                    std::fs::remove_file(&file)
                        .with_context(|| format!("cannot remove {}", file.display()))?;
                }
            }
        }
        Ok(())
    }

    /// Options to connect to the StorePulse database over the socket.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.connect_options_for(DATABASE)
    }

    fn connect_options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(SUPERUSER)
            .database(database)
    }

    /// A connection URL for other tools (`psql`, the test suite): the socket folder as `host`.
    pub fn url(&self, database: &str) -> String {
        let socket_dir = self.socket_dir.to_string_lossy();
        let host =
            percent_encoding::utf8_percent_encode(&socket_dir, percent_encoding::NON_ALPHANUMERIC);
        format!("postgres://{SUPERUSER}@{host}/{database}")
    }

    /// Stops the server (fast shutdown: open sessions are ended, nothing is lost).
    pub async fn stop(&self) -> anyhow::Result<()> {
        let status = self
            .command("pg_ctl")
            .args(["stop", "-m", "fast", "-w", "-D"])
            .arg(&self.data_dir)
            .stdout(Stdio::null())
            .status()
            .await?;
        if !status.success() {
            bail!("pg_ctl stop failed for {}", self.data_dir.display());
        }
        tracing::info!("embedded PostgreSQL stopped");
        Ok(())
    }

    /// Whether PostgreSQL's module `name` is installed (in `pg_config --pkglibdir` of the
    /// server binaries used).
    pub async fn has_module(&self, name: &str) -> bool {
        let Ok(out) = Command::new(self.bin_dir.join("pg_config"))
            .arg("--pkglibdir")
            .stderr(Stdio::null())
            .output()
            .await
        else {
            return false;
        };
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        out.status.success()
            && ["so", "dylib"]
                .iter()
                .any(|ext| dir.join(format!("{name}.{ext}")).is_file())
    }

    fn command(&self, tool: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(tool));
        // The working directory must be readable by the database account.
        cmd.current_dir("/");
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        cmd
    }

    fn prepare_folders(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = self.run_as {
            nix::unistd::chown(&self.data_dir, Some(uid), Some(gid))?;
            check_traversable(&self.data_dir, uid)?;
        }
        if self.socket_dir != self.data_dir && !self.socket_dir.exists() {
            std::fs::create_dir(&self.socket_dir)?;
            std::fs::set_permissions(&self.socket_dir, std::fs::Permissions::from_mode(0o700))?;
            if let Some((uid, gid)) = self.run_as {
                nix::unistd::chown(&self.socket_dir, Some(uid), Some(gid))?;
            }
        }
        self.check_socket_dir()
    }

    /// A socket folder outside the data folder (in /tmp, for deep data folders) must be the
    /// database account's own, writable by no one else: one that someone else made first could
    /// hold a socket that impersonates the database.
    fn check_socket_dir(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if self.socket_dir == self.data_dir {
            return Ok(());
        }
        let owner = self
            .run_as
            .map(|(uid, _)| uid)
            .unwrap_or_else(Uid::effective);
        let meta = std::fs::symlink_metadata(&self.socket_dir)
            .with_context(|| format!("cannot read {}", self.socket_dir.display()))?;
        if !meta.is_dir() || meta.uid() != owner.as_raw() || meta.permissions().mode() & 0o022 != 0
        {
            bail!(
                "the database socket folder {} is not a folder of uid {owner} that only it may write to: remove it, \
                 or use a shorter STOREPULSE_DATA_DIR (its socket then stays inside it)",
                self.socket_dir.display()
            );
        }
        Ok(())
    }

    async fn initdb(&self) -> anyhow::Result<()> {
        tracing::info!(data_dir = %self.data_dir.display(), "creating the embedded PostgreSQL cluster");
        let output = self
            .command("initdb")
            .args([
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "-D",
            ])
            .arg(&self.data_dir)
            .output()
            .await
            .context("could not run initdb")?;
        if !output.status.success() {
            bail!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    async fn is_running(&self) -> bool {
        let status = self
            .command("pg_ctl")
            .args(["status", "-D"])
            .arg(&self.data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        // pg_ctl status: 0 running, 3 not running (a stale postmaster.pid counts as not running).
        matches!(status, Ok(s) if s.success())
    }

    async fn start_server(&self) -> anyhow::Result<()> {
        let log = self.data_dir.join("server.log");
        let mut options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        for (name, value) in tuning(&Machine::this()) {
            options.push_str(&format!(" -c {name}={value}"));
        }
        // PostgreSQL's remedy for a cache a restart emptied: `pg_prewarm`'s worker records which
        // pages are in shared buffers (every 5 minutes and at shutdown) and reads them back in
        // the background after the next start, so the first dashboards and ingests after a
        // restart do not read every page from disk. It ships with PostgreSQL; where it is not
        // installed the cluster starts without it.
        if self.has_module(PREWARM).await {
            options.push_str(&format!(" -c shared_preload_libraries={PREWARM}"));
        }
        let output = self
            .command("pg_ctl")
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&log)
            .args(["-o", &options])
            .output()
            .await
            .context("could not run pg_ctl")?;
        if !output.status.success() {
            let tail = std::fs::read_to_string(&log)
                .map(|t| {
                    t.lines()
                        .rev()
                        .take(5)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            bail!(
                "the embedded PostgreSQL did not start: {}\n{tail}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        tracing::info!(socket_dir = %self.socket_dir.display(), "embedded PostgreSQL started");
        Ok(())
    }

    async fn create_database(&self) -> anyhow::Result<()> {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = self
            .connect_options_for("postgres")
            .connect()
            .await
            .context("cannot connect to the embedded PostgreSQL")?;
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("create database {DATABASE}"))
                .execute(&mut conn)
                .await?;
        }
        conn.close().await?;
        Ok(())
    }
}

/// The process id on the first line of a PostgreSQL lock file.
fn pid_in(file: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .next()?
        .trim()
        .parse()
        .ok()
        .filter(|pid| *pid > 0)
}

/// Whether `pid` is a live process. A killed postmaster whose parent never reaps it stays a
/// zombie, which `kill(pid, 0)` still finds: /proc tells them apart where there is one.
fn process_alive(pid: i32) -> bool {
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim().chars().next());
        return !matches!(state, Some('Z') | Some('X'));
    }
    if Path::new("/proc/self").exists() {
        return false;
    }
    // No /proc (macOS): EPERM still means the process exists.
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

/// The folder of the PostgreSQL server binaries: the setting, else found automatically.
pub fn bin_dir(configured: Option<&Path>) -> anyhow::Result<PathBuf> {
    match configured {
        Some(dir) => Ok(dir.to_path_buf()),
        None => find_bin_dir().context(
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) were found. Install them \
             (Debian/Ubuntu: `sudo apt-get install postgresql`), set STOREPULSE_PG_BIN_DIR to \
             their folder, or set DATABASE_URL to use an existing database",
        ),
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin`, or a folder on PATH with `initdb`.
fn find_bin_dir() -> Option<PathBuf> {
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir(BIN_DIR_GLOBS[0])
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versioned.sort();
    if let Some((_, bin)) = versioned.pop() {
        return Some(bin);
    }
    BIN_DIR_GLOBS[1..]
        .iter()
        .map(PathBuf::from)
        .chain(
            std::env::var_os("PATH")
                .into_iter()
                .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>()),
        )
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
}

/// Root may not run PostgreSQL: pick the account that will.
fn unprivileged_account() -> anyhow::Result<Option<(Uid, Gid)>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        if let Some(user) = User::from_name(name)? {
            return Ok(Some((user.uid, user.gid)));
        }
    }
    bail!("running as root, and neither a `postgres` nor a `nobody` account exists to run the embedded PostgreSQL")
}

/// Unix socket paths are limited to ~107 bytes; a deep data folder gets a socket folder in /tmp.
fn socket_dir_for(data_dir: &Path) -> anyhow::Result<PathBuf> {
    if data_dir.as_os_str().len() + "/.s.PGSQL.5432".len() < 100 {
        return Ok(data_dir.to_path_buf());
    }
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    Ok(std::env::temp_dir().join(format!("storepulse-{:016x}", hasher.finish())))
}

/// The database account must be able to reach its folder through every parent.
fn check_traversable(dir: &Path, uid: Uid) -> anyhow::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    for ancestor in dir.ancestors().skip(1) {
        let meta = std::fs::metadata(ancestor)?;
        let mode = meta.permissions().mode();
        let ok = if meta.uid() == uid.as_raw() {
            mode & 0o100 != 0
        } else {
            mode & 0o001 != 0 || mode & 0o010 != 0
        };
        if !ok {
            bail!(
                "the database account (uid {uid}) cannot reach {} because {} is not searchable by it. \
                 Set STOREPULSE_DATA_DIR to a folder outside it (e.g. /var/lib/storepulse) or use DATABASE_URL",
                dir.display(),
                ancestor.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encodes_the_socket_folder() {
        let pg = EmbeddedPostgres {
            data_dir: "/srv/sp data".into(),
            socket_dir: "/srv/sp data".into(),
            bin_dir: "/usr/bin".into(),
            run_as: None,
        };
        assert_eq!(
            pg.url("storepulse"),
            "postgres://postgres@%2Fsrv%2Fsp%20data/storepulse"
        );
    }

    #[test]
    fn long_data_folders_get_a_short_socket_folder() {
        let short = Path::new("/work/data/postgres");
        assert_eq!(socket_dir_for(short).unwrap(), short);
        let long = PathBuf::from(format!("/work/{}/postgres", "x".repeat(120)));
        assert!(socket_dir_for(&long)
            .unwrap()
            .starts_with(std::env::temp_dir()));
    }

    #[test]
    fn a_socket_folder_others_may_write_to_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let pg = EmbeddedPostgres {
            data_dir: "/srv/sp data".into(),
            socket_dir: folder.path().to_path_buf(),
            bin_dir: "/usr/bin".into(),
            run_as: None,
        };
        let mode = |m| std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(m));
        mode(0o700).unwrap();
        assert!(pg.check_socket_dir().is_ok());
        mode(0o777).unwrap();
        let err = pg.check_socket_dir().unwrap_err().to_string();
        assert!(err.contains("that only it may write to"), "{err}");
    }
}

/// What the embedded PostgreSQL is tuned for: this machine's memory, cores and `/dev/shm`.
#[derive(Debug, Clone, Copy)]
pub struct Machine {
    pub memory_mib: u64,
    pub cores: usize,
    /// Size of `/dev/shm` (parallel queries keep their shared hash tables there).
    pub shm_mib: u64,
}

impl Machine {
    pub fn this() -> Machine {
        let memory_mib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            })
            .map_or(2048, |kib| kib / 1024);
        let shm_mib = nix::sys::statvfs::statvfs("/dev/shm")
            .map(|s| s.blocks() * s.fragment_size() / (1024 * 1024))
            .unwrap_or(0);
        Machine {
            memory_mib,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            shm_mib,
        }
    }
}

/// The embedded PostgreSQL's settings for analytics on `machine`, in one place (documented in
/// docs/operations.md). The server shares the machine with it, so PostgreSQL takes an eighth of
/// the memory for its buffers (at most 2 GiB) and assumes the page cache holds half.
/// Dashboards run a few large aggregates at a time: generous `work_mem` keeps their hash
/// aggregates of hundreds of thousands of customers in memory; one parallel worker per two
/// cores; JIT off (it adds 100–500 ms of compilation to queries that take less); cheap random
/// reads (local SSD); a larger WAL between checkpoints and autovacuum that analyses sooner, for
/// big loads. Parallel hash joins need `/dev/shm`: where it is small (64 MiB in a default
/// Docker container) dynamic shared memory goes to files instead. (`start_server` adds
/// `pg_prewarm` where PostgreSQL has it: a property of the installation, not of the machine.)
pub fn tuning(machine: &Machine) -> Vec<(&'static str, String)> {
    let shared_buffers = (machine.memory_mib / 8).clamp(128, 2048);
    let work_mem = (machine.memory_mib / 64).clamp(16, 256);
    let workers = (machine.cores / 2).max(1);
    vec![
        ("shared_buffers", format!("{shared_buffers}MB")),
        (
            "effective_cache_size",
            format!("{}MB", (machine.memory_mib / 2).max(256)),
        ),
        ("work_mem", format!("{work_mem}MB")),
        (
            "maintenance_work_mem",
            format!("{}MB", (machine.memory_mib / 16).clamp(64, 1024)),
        ),
        ("max_parallel_workers_per_gather", workers.to_string()),
        ("max_parallel_workers", machine.cores.max(2).to_string()),
        ("jit", "off".into()),
        ("random_page_cost", "1.1".into()),
        ("max_wal_size", "4GB".into()),
        ("checkpoint_timeout", "15min".into()),
        ("autovacuum_analyze_scale_factor", "0.05".into()),
        (
            "dynamic_shared_memory_type",
            if machine.shm_mib >= 1024 {
                "posix"
            } else {
                "mmap"
            }
            .into(),
        ),
    ]
}

#[cfg(test)]
mod tuning_tests {
    use super::*;

    fn setting(t: &[(&'static str, String)], name: &str) -> String {
        t.iter().find(|(n, _)| *n == name).unwrap().1.clone()
    }

    #[test]
    fn settings_follow_the_machine() {
        let big = tuning(&Machine {
            memory_mib: 24 * 1024,
            cores: 2,
            shm_mib: 12 * 1024,
        });
        assert_eq!(setting(&big, "shared_buffers"), "2048MB");
        assert_eq!(setting(&big, "work_mem"), "256MB");
        assert_eq!(setting(&big, "max_parallel_workers_per_gather"), "1");
        assert_eq!(setting(&big, "jit"), "off");
        assert_eq!(setting(&big, "dynamic_shared_memory_type"), "posix");
        let small = tuning(&Machine {
            memory_mib: 1024,
            cores: 1,
            shm_mib: 64,
        });
        assert_eq!(setting(&small, "shared_buffers"), "128MB");
        assert_eq!(setting(&small, "work_mem"), "16MB");
        assert_eq!(setting(&small, "dynamic_shared_memory_type"), "mmap");
    }
}
