//! `crm-server`: the composition root. Reads the configuration, opens the SQLite database,
//! runs migrations, wires the adapters into the app and serves it with graceful shutdown; its
//! subcommands run migrations, create an owner and print a staff token.

use actix_web::{web, HttpServer};
use clap::{Parser, Subcommand};
use crm_comms::delivery::DeliveryWorker;
use crm_core::{Clock, EmployeeId};
use crm_http::auth::jwt::TokenKeys;
use crm_http::config::{resolve_jwt_secret, Config};
use crm_http::schedulers;
use crm_http::state::{AppState, AuthSettings, HttpSettings};
use crm_infra::channels::ChannelsConfig;
use crm_infra::SqliteDeliveryQueue;
use crm_infra::{Database, SqliteStaffRepository, SystemClock};
use crm_staff::StaffAccess;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How often the server settles expired points (also once at start-up).
const POINTS_EXPIRY_INTERVAL: Duration = Duration::from_secs(3_600);
/// How often the scheduler of recurring campaigns enqueues due occurrences (also at start-up).
const CAMPAIGN_SCHEDULER_INTERVAL: Duration = Duration::from_secs(60);
/// How often the reminder run enqueues due appointment reminders (also at start-up).
const REMINDER_INTERVAL: Duration = Duration::from_secs(60);
/// How often the delivery worker makes a pass (its rate limits are per pass).
const DELIVERY_INTERVAL: Duration = Duration::from_secs(1);
/// Every how many passes claims older than the stale limit go back to the queue.
const STALE_CHECK_PASSES: u64 = 60;

#[derive(Parser)]
#[command(
    name = "crm-server",
    version,
    about = "CRM and loyalty backend for small businesses"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an owner (for a first start without Telegram) and print a token for them.
    CreateOwner {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Telegram user id, so they can also sign in from Telegram.
        #[arg(long)]
        telegram_id: Option<i64>,
    },
    /// Print a staff access token for an active employee (for Swagger and scripts).
    Token {
        /// Employee id.
        #[arg(long)]
        employee_id: i64,
    },
    /// Write a consistent copy of the database (safe while the server runs) to a new file.
    Backup {
        /// The new file; an existing one is refused.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Fill an empty database with a realistic demo business (deterministic for a seed).
    DemoData {
        /// How many clients.
        #[arg(long, default_value_t = 20_000)]
        clients: u32,
        /// How many purchases (about 2 % are later refunded).
        #[arg(long, default_value_t = 200_000)]
        operations: u32,
        /// The seed: the same seed gives the same business.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Days of history, ending now.
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// How many employees (owner, admin, manager, receptionists, masters).
        #[arg(long, default_value_t = 25)]
        employees: u32,
    },
}

/// Copies the database of `DATABASE_URL` to `target` (without running migrations or touching
/// the token secret) and prints where the copy is and its size.
fn backup(config: &Config, target: &std::path::Path) -> Result<(), String> {
    let source =
        crm_infra::database_path(config.database_url.as_deref()).map_err(|e| e.to_string())?;
    if !source.is_file() {
        return Err(format!("no database at {}", source.display()));
    }
    let db = Database::open(config.database_url.as_deref(), 1).map_err(|e| e.to_string())?;
    let size = db.backup(target).map_err(|e| e.to_string())?;
    println!(
        "backed up {} to {} ({size} bytes)",
        db.path().display(),
        target.display()
    );
    Ok(())
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

struct Runtime {
    config: Config,
    db: Database,
    tokens: TokenKeys,
}

fn open(config: Config) -> Result<Runtime, String> {
    let db = Database::open(config.database_url.as_deref(), config.db_pool_size)
        .map_err(|e| e.to_string())?;
    let applied = db.run_migrations().map_err(|e| e.to_string())?;
    if !applied.is_empty() {
        tracing::info!(
            count = applied.len(),
            "applied migrations: {}",
            applied.join(", ")
        );
    }
    let data_dir = db
        .path()
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let (secret, _) = resolve_jwt_secret(&config, &data_dir).map_err(|e| e.to_string())?;
    let tokens = TokenKeys::new(secret.as_bytes(), config.jwt_ttl_seconds);
    Ok(Runtime { config, db, tokens })
}

fn state(runtime: &Runtime) -> AppState {
    crm_http::wiring::sqlite_state(
        &runtime.db,
        Arc::new(SystemClock),
        AuthSettings {
            bot_token: runtime.config.telegram_bot_token.clone(),
            tokens: runtime.tokens.clone(),
            init_data_max_age_seconds: runtime.config.init_data_max_age_seconds,
            owner_telegram_ids: runtime.config.owner_telegram_ids.clone(),
        },
    )
}

/// The delivery worker over SQLite.
type Worker = DeliveryWorker<SqliteDeliveryQueue>;

/// Returns delivery claims to the queue on the blocking pool (at start-up: every claim left by
/// a crash; then now and then: claims older than the stale limit), logging what happened.
async fn release_claims<F>(worker: &Arc<Worker>, release: F)
where
    F: FnOnce(&Worker) -> Result<usize, crm_core::RepoError> + Send + 'static,
{
    let worker = worker.clone();
    match web::block(move || release(&worker)).await {
        Ok(Ok(0)) => {}
        Ok(Ok(released)) => tracing::warn!(released, "returned stale delivery claims to the queue"),
        Ok(Err(e)) => tracing::error!(error = %e, "releasing stale delivery claims failed"),
        Err(e) => tracing::error!(error = %e, "releasing stale delivery claims failed"),
    }
}

/// Sends queued deliveries in the background of the server's system: first returns claims left
/// by a crash to the queue, then makes a pass of the [`DeliveryWorker`] at most every
/// [`DELIVERY_INTERVAL`] (a slow pass delays the next one, so a channel never gets more than its
/// rate limit per interval), releasing stale claims every [`STALE_CHECK_PASSES`] passes. Each
/// pass runs in its own task: an error or even a panic is logged and the next pass goes on. The
/// worker's short SQLite calls run on this arbiter, not on the HTTP workers' threads.
fn spawn_delivery_worker(db: Database, channels: &ChannelsConfig) -> std::io::Result<()> {
    let adapters = Arc::new(channels.adapters().map_err(std::io::Error::other)?);
    let worker = Arc::new(DeliveryWorker::new(
        SqliteDeliveryQueue::new(db),
        channels.worker.clone(),
    ));
    let configured: Vec<&str> = channels.configured().iter().map(|c| c.code()).collect();
    tracing::info!(
        channels = %configured.join(","),
        "delivery worker started; unconfigured channels fail their deliveries with channel_not_configured"
    );
    actix_web::rt::spawn(async move {
        let started_at = SystemClock.now();
        release_claims(&worker, move |w| w.recover(started_at)).await;
        let mut passes: u64 = 0;
        loop {
            let started = actix_web::rt::time::Instant::now();
            passes = passes.wrapping_add(1);
            if passes.is_multiple_of(STALE_CHECK_PASSES) {
                release_claims(&worker, |w| w.release_stale(SystemClock.now())).await;
            }
            let pass_worker = worker.clone();
            let pass_adapters = adapters.clone();
            let pass = actix_web::rt::spawn(async move {
                pass_worker
                    .run_once(&pass_adapters, SystemClock.now())
                    .await
            });
            match pass.await {
                Ok(report) if report.is_idle() => {}
                Ok(report) => {
                    tracing::info!(
                        claimed = report.claimed,
                        sent = report.sent,
                        retried = report.retried,
                        failed = report.failed,
                        errors = report.errors.len(),
                        "delivery pass"
                    );
                    for error in &report.errors {
                        tracing::error!(error = %error, "delivery storage error");
                    }
                }
                Err(e) => tracing::error!(error = %e, "delivery pass panicked; going on"),
            }
            actix_web::rt::time::sleep_until(started + DELIVERY_INTERVAL).await;
        }
    });
    Ok(())
}

async fn serve(runtime: Runtime, channels: ChannelsConfig) -> std::io::Result<()> {
    let state = web::Data::new(state(&runtime));
    let settings = HttpSettings {
        body_limit_bytes: runtime.config.body_limit_bytes,
        cors_allow_origins: runtime.config.cors_allow_origins.clone(),
        request_limits: Arc::new(crm_http::rate_limit::RequestLimits::per_minute(
            runtime.config.sign_ins_per_minute,
            runtime.config.app_writes_per_minute,
        )),
        ..HttpSettings::default()
    };
    if runtime.config.telegram_bot_token.is_none() {
        tracing::warn!("TELEGRAM_BOT_TOKEN is not set: Telegram sign-in answers 503; use `crm-server create-owner` for a token");
    }
    let address = (runtime.config.host.clone(), runtime.config.port);
    tracing::info!(
        database = %runtime.db.path().display(),
        "listening on http://{}:{} (docs at /docs)",
        address.0,
        address.1
    );
    let expiry_state = state.clone();
    let scheduler_state = state.clone();
    let reminder_state = state.clone();
    let mut server = HttpServer::new(move || crm_http::build_app(state.clone(), &settings))
        .shutdown_timeout(30)
        .bind(address)?;
    if let Some(workers) = runtime.config.workers {
        server = server.workers(workers);
    }
    schedulers::spawn_points_expiry(expiry_state, POINTS_EXPIRY_INTERVAL);
    schedulers::spawn_campaign_scheduler(scheduler_state, CAMPAIGN_SCHEDULER_INTERVAL);
    schedulers::spawn_reminder_scheduler(reminder_state, REMINDER_INTERVAL);
    spawn_delivery_worker(runtime.db.clone(), &channels)?;
    // actix stops accepting on SIGINT/SIGTERM and lets in-flight requests finish.
    server.run().await
}

fn staff_token(runtime: &Runtime, employee_id: EmployeeId) -> Result<String, String> {
    let access = StaffAccess::new(SqliteStaffRepository::new(runtime.db.clone()), SystemClock);
    let employee = access
        .active(employee_id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no active employee with id {employee_id}"))?;
    runtime
        .tokens
        .issue_staff(employee.id, employee.role, None, SystemClock.now())
        .map(|(token, _)| token)
        .map_err(|e| e.to_string())
}

/// Fills the (empty) database with a demo business ending today and prints what was written.
fn demo_data(db: &Database, config: crm_infra::demo::DemoConfig) -> Result<(), String> {
    let report = crm_infra::demo::generate(db, &config).map_err(|e| e.to_string())?;
    println!("demo business written to {} {report}", db.path().display());
    Ok(())
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.json_logs);
    if let Some(Command::Backup { to }) = &cli.command {
        return match backup(&config, to) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match open(config) {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match ChannelsConfig::from_env() {
            Ok(channels) => actix_web::rt::System::new()
                .block_on(serve(runtime, channels))
                .map_err(|e| format!("server failed: {e}")),
            Err(e) => Err(format!("channel configuration: {e}")),
        },
        Command::Migrate => {
            println!(
                "migrations are up to date ({})",
                runtime.db.path().display()
            );
            Ok(())
        }
        Command::CreateOwner { name, telegram_id } => {
            let access =
                StaffAccess::new(SqliteStaffRepository::new(runtime.db.clone()), SystemClock);
            access
                .create_owner(&name, telegram_id)
                .map_err(|e| e.to_string())
                .and_then(|owner| {
                    let token = staff_token(&runtime, owner.id)?;
                    eprintln!(
                        "created owner {} (employee id {})",
                        owner.full_name, owner.id
                    );
                    println!("{token}");
                    Ok(())
                })
        }
        Command::Token { employee_id } => {
            staff_token(&runtime, EmployeeId(employee_id)).map(|token| println!("{token}"))
        }
        Command::Backup { .. } => Err("backup runs before the database is opened".to_owned()),
        Command::DemoData {
            clients,
            operations,
            seed,
            days,
            employees,
        } => demo_data(
            &runtime.db,
            crm_infra::demo::DemoConfig {
                clients,
                operations,
                seed,
                days,
                employees,
                end: SystemClock.now(),
            },
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
