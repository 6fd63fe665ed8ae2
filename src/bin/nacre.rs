//! The native command line: `pack` builds a model artifact, `embed` prints sentence
//! embeddings. Every failure prints its stable error code and exits non-zero.

use nacre::artifact::Precision;
use nacre::{BackendRequest, Error, ErrorCode, Nacre, Result};
use std::io::{BufRead, Write};
use std::path::PathBuf;

const USAGE: &str = "usage:
  nacre pack --base DIR --out FILE [--precision int8|f32] [--max-len N] [--name NAME] [--version V]
  nacre embed --model FILE [TEXT]      (no TEXT: one text per stdin line, one JSON array per line out)";

/// `--flag value` pairs and bare arguments.
struct Args {
    flags: Vec<(String, String)>,
    rest: Vec<String>,
}

impl Args {
    fn parse(raw: impl Iterator<Item = String>) -> Result<Self> {
        let (mut flags, mut rest) = (Vec::new(), Vec::new());
        let mut raw = raw.peekable();
        while let Some(arg) = raw.next() {
            match arg.strip_prefix("--") {
                Some(name) => {
                    let value = raw.next().ok_or_else(|| usage(&format!("--{name} needs a value")))?;
                    flags.push((name.to_string(), value));
                }
                None => rest.push(arg),
            }
        }
        Ok(Self { flags, rest })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.flags.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn require(&self, name: &str) -> Result<&str> {
        self.get(name).ok_or_else(|| usage(&format!("--{name} is required")))
    }
}

fn usage(message: &str) -> Error {
    Error::new(ErrorCode::InvalidArgument, format!("{message}\n{USAGE}"))
}

fn pack(args: &Args) -> Result<()> {
    let precision = match args.get("precision").unwrap_or("int8") {
        "int8" => Precision::I8,
        "f32" => Precision::F32,
        other => return Err(usage(&format!("unknown precision {other}"))),
    };
    let max_len = args.get("max-len").unwrap_or("256").parse().map_err(|_| usage("--max-len must be a number"))?;
    let bytes = nacre::pack::pack_base(
        &PathBuf::from(args.require("base")?),
        args.get("name").unwrap_or("nacre-teacher"),
        args.get("version").unwrap_or(env!("CARGO_PKG_VERSION")),
        precision,
        max_len,
    )?;
    std::fs::write(args.require("out")?, &bytes)?;
    eprintln!("wrote {} ({} bytes)", args.require("out")?, bytes.len());
    Ok(())
}

fn load(args: &Args) -> Result<Nacre> {
    let bytes = std::fs::read(args.require("model")?)?;
    pollster::block_on(Nacre::load(&bytes, BackendRequest::Cpu))
}

fn embed(args: &Args) -> Result<()> {
    let nacre = load(args)?;
    let mut out = std::io::stdout().lock();
    let mut emit = |text: &str| -> Result<()> {
        let line = match pollster::block_on(nacre.embed(text)) {
            Ok(vector) => serde_json::to_string(&vector).expect("floats serialize"),
            Err(e) => serde_json::json!({"error": {"code": e.code.as_str(), "message": e.message}}).to_string(),
        };
        writeln!(out, "{line}")?;
        Ok(())
    };
    match args.rest.first() {
        Some(text) => emit(text),
        None => std::io::stdin().lock().lines().try_for_each(|line| emit(&line?)),
    }
}

fn run() -> Result<()> {
    let mut raw = std::env::args().skip(1);
    let command = raw.next().unwrap_or_default();
    let args = Args::parse(raw)?;
    match command.as_str() {
        "pack" => pack(&args),
        "embed" => embed(&args),
        _ => Err(usage(&format!("unknown command {command:?}"))),
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("nacre: {e}");
        std::process::exit(2);
    }
}
