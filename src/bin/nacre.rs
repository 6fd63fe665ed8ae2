//! The native command line. `assess` and `eval` are a stable contract for scripts;
//! `pack`, `train`, `distill` and `calibrate` build the models; `embed` prints sentence vectors. Every failure
//! prints its stable error code and exits non-zero.

use nacre::artifact::Precision;
use nacre::taxonomy::{Category, UserType};
use nacre::train::{DistillRecipe, Recipe, dataset, metrics};
use nacre::assess::Prepared;
use nacre::policy::Conversation;
use nacre::{Assessment, BackendRequest, Error, ErrorCode, Nacre, Result};
use std::collections::HashMap;
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

const USAGE: &str = "usage:
  nacre assess [--model FILE] --jsonl        one {\"id\", \"text\"} per stdin line, one result per stdout line
  nacre assess [--model FILE] TEXT           a readable summary
  nacre respond [--model FILE] --jsonl       as assess --jsonl, plus \"reply\" and \"trace\"; lines sharing
                                             \"conversation\" are one conversation; \"locale\" per line or --locale
  nacre eval FILE [--model FILE] [--split S] metrics on a labelled JSONL file (schema of data/README.md)
  nacre train --data FILE --model ENCODER --out TRAINED [--seed N] [--head-epochs N] [--epochs N]
              [--tune-layers N] [--topic] [--decay] [--average-from N] [--cache DIR]
                                             --head-epochs: heads alone first; --epochs: then joint
                                             --topic: the category head learns the topic, whatever
                                             the intent; the harm category is derived with the user type
  nacre distill --data FILE --teacher FILE --out STUDENT [--seed N] [--epochs N] [--vocabulary N]
                [--layers L,L,..] [--ffn N] [--max-len N] [--tune-layers N] [--temperature T] [--hard-weight W]
                [--risk-weight W] [--layer-lr R] [--decay] [--average-from N] [--from TRAINED] [--cache DIR]
                                             --decay: learning rates fall linearly to 0 over the epochs
                                             --average-from: from epoch N on, the mean of the epochs'
                                             weights is a candidate too (train: the joint stage)
                                             --layers: the teacher layers the student keeps (default 0,5)
                                             --ffn: feed-forward neurons each keeps, the strongest (default all)
                                             --max-len: the student's token window (default 128)
                                             --from: go on from a student distill wrote (same vocabulary and shape)
  nacre calibrate --data FILE --model SHIPPED --trained FILE --out FILE
                                             TRAINED (what train or distill wrote, SHIPPED assembled from it)
                                             with its flag threshold picked again on dev; weights unchanged
  nacre pack --base DIR --out FILE [--precision int8|f32] [--heads FILE] [--policy FILE --resources FILE]
             [--max-len N] [--name N] [--version V]
  nacre pack --student TRAINED --encoder FILE --policy FILE --resources FILE --out FILE
                                             the student: what `nacre distill` made, assembled from the encoder
  nacre embed [--model FILE] [TEXT]          no TEXT: one text per stdin line, one JSON array per line out
The model defaults to $NACRE_MODEL, else www/model/nacre-student.nacre (the teacher: www/model/nacre-teacher.nacre).";

/// Texts per model batch in `assess --jsonl` and `eval`.
const BATCH: usize = 32;

/// `--flag value` pairs, bare `--switch`es and positional arguments.
struct Args {
    flags: Vec<(String, Option<String>)>,
    rest: Vec<String>,
}

impl Args {
    fn parse(raw: impl Iterator<Item = String>) -> Self {
        let (mut flags, mut rest) = (Vec::new(), Vec::new());
        let mut raw = raw.peekable();
        while let Some(arg) = raw.next() {
            match arg.strip_prefix("--") {
                Some(name) => {
                    let value = raw.next_if(|next| !next.starts_with("--"));
                    flags.push((name.to_string(), value));
                }
                None => rest.push(arg),
            }
        }
        Self { flags, rest }
    }

    fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.flags.iter().rev().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }

    fn require(&self, name: &str) -> Result<&str> {
        self.get(name).ok_or_else(|| usage(&format!("--{name} is required")))
    }
}

fn usage(message: &str) -> Error {
    Error::new(ErrorCode::InvalidArgument, format!("{message}\n{USAGE}"))
}

fn model_path(args: &Args) -> PathBuf {
    if let Some(path) = args.get("model").map(String::from).or_else(|| std::env::var("NACRE_MODEL").ok()) {
        return path.into();
    }
    let local = PathBuf::from("www/model/nacre-student.nacre");
    if local.exists() { local } else { Path::new(env!("CARGO_MANIFEST_DIR")).join(local) }
}

fn load(args: &Args) -> Result<(Nacre, Vec<u8>)> {
    load_path(&model_path(args))
}

fn load_path(path: &Path) -> Result<(Nacre, Vec<u8>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::new(ErrorCode::Io, format!("{}: {e}", path.display())))?;
    Ok((pollster::block_on(Nacre::load(&bytes, BackendRequest::Cpu))?, bytes))
}

fn probs<T: Copy>(names: &[T], values: &[f32], name: fn(T) -> &'static str) -> Value {
    names.iter().zip(values).map(|(&n, &p)| (name(n).to_string(), json!(p))).collect::<serde_json::Map<_, _>>().into()
}

/// The stable JSON form of one assessment; `strategy` is the policy's choice for it
/// as a first message (null for a model without a policy).
fn assessment_json(id: &Value, a: &Assessment, threshold: f32, strategy: Option<&str>) -> Value {
    let flagged = a.risk > threshold;
    json!({
        "id": id,
        "flagged": flagged,
        "risk": a.risk,
        "category": a.category.as_str(),
        "category_probs": probs(&Category::ALL, &a.category_probs, Category::as_str),
        "user_type": a.user_type.as_str(),
        "user_type_probs": probs(&UserType::ALL, &a.user_type_probs, UserType::as_str),
        "severity": a.severity,
        "jailbreak": a.jailbreak,
        "strategy": strategy,
        "evidence": a.evidence,
        "normalized": a.changes,
    })
}

fn error_json(id: &Value, e: &Error) -> Value {
    json!({"id": id, "error": {"code": e.code.as_str(), "message": e.message}})
}

/// One input line of `assess --jsonl` / `respond --jsonl`.
struct Line {
    id: Value,
    text: String,
    conversation: Value,
    locale: Option<String>,
    /// The prepared text, or the error this line gets.
    prepared: Result<Prepared>,
}

fn parse_line(nacre: &Nacre, line: &str, number: usize) -> Line {
    let bad = |message: &str| Error::new(ErrorCode::InvalidArgument, format!("line {number}: {message}"));
    let value: Value = serde_json::from_str(line).unwrap_or(Value::Null);
    let text = value.get("text").and_then(Value::as_str).map(String::from);
    let prepared = match (&value, &text) {
        (Value::Object(_), Some(text)) => nacre.prepare(text),
        (Value::Object(_), None) => Err(bad("no string \"text\"")),
        _ => Err(bad("not a JSON object")),
    };
    Line {
        id: value.get("id").cloned().unwrap_or(Value::Null),
        text: text.unwrap_or_default(),
        conversation: value.get("conversation").cloned().unwrap_or(Value::Null),
        locale: value.get("locale").and_then(Value::as_str).map(String::from),
        prepared,
    }
}

/// Assesses a chunk of lines in one batch; bad lines keep their error, in place.
fn assess_lines(nacre: &Nacre, lines: &[Line]) -> Vec<Result<Assessment>> {
    let ready: Vec<Prepared> = lines.iter().filter_map(|l| l.prepared.as_ref().ok().cloned()).collect();
    let mut done = match pollster::block_on(nacre.assess_prepared(&ready)) {
        Ok(all) => all.into_iter().map(Ok).collect::<Vec<_>>().into_iter(),
        Err(e) => vec![Err(e); ready.len()].into_iter(),
    };
    lines
        .iter()
        .map(|l| match &l.prepared {
            Ok(_) => done.next().expect("one result per prepared text"),
            Err(e) => Err(e.clone()),
        })
        .collect()
}

/// Streams stdin lines in batches through `each` (line, its assessment) to stdout.
fn stream(nacre: &Nacre, mut each: impl FnMut(&Line, Assessment) -> Result<Value>) -> Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = std::io::stdout().lock();
    let mut lines = stdin.lines().enumerate().filter(|(_, l)| l.as_ref().map_or(true, |l| !l.trim().is_empty()));
    loop {
        let mut chunk = Vec::with_capacity(BATCH);
        for (i, line) in lines.by_ref().take(BATCH) {
            chunk.push(parse_line(nacre, &line?, i + 1));
        }
        if chunk.is_empty() {
            return Ok(());
        }
        for (line, result) in chunk.iter().zip(assess_lines(nacre, &chunk)) {
            let json = result.and_then(|a| each(line, a)).unwrap_or_else(|e| error_json(&line.id, &e));
            writeln!(out, "{json}")?;
        }
    }
}

fn locale(args: &Args, line: Option<&Line>) -> String {
    line.and_then(|l| l.locale.clone())
        .or_else(|| args.get("locale").map(String::from))
        .unwrap_or_else(|| "en-US".into())
}

fn assess(args: &Args) -> Result<()> {
    let (nacre, _) = load(args)?;
    let threshold = nacre.calibration().map_or(0.5, |c| c.flag_threshold);
    if !args.has("jsonl") {
        let text = args.rest.first().ok_or_else(|| usage("give TEXT or --jsonl"))?;
        let a = pollster::block_on(nacre.assess(text))?;
        let top = |probs: &[f32], names: Vec<&str>| {
            let mut pairs: Vec<_> = names.into_iter().zip(probs.iter().copied()).collect();
            pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
            pairs.iter().take(3).map(|(n, p)| format!("{n} {:.0}%", p * 100.0)).collect::<Vec<_>>().join(", ")
        };
        println!("{}", if a.risk > threshold { "FLAGGED" } else { "not flagged" });
        println!("risk       {:.3} (threshold {threshold:.3})", a.risk);
        println!("category   {}", top(&a.category_probs, Category::ALL.map(Category::as_str).to_vec()));
        println!("user       {}", top(&a.user_type_probs, UserType::ALL.map(UserType::as_str).to_vec()));
        println!("severity   {} of 4", a.severity);
        println!("jailbreak  {:.0}%", a.jailbreak * 100.0);
        println!("evidence   {}", a.evidence.join(", "));
        if nacre.has_policy() {
            let response = nacre.reply(&mut Conversation::new(), &a, text, &locale(args, None))?;
            println!("strategy   {}", response.decision.strategy.as_str());
            if !response.reply.message.is_empty() {
                println!("reply      {}", response.reply.message);
            }
        }
        return Ok(());
    }
    stream(&nacre, |line, a| {
        let strategy = match nacre.has_policy() {
            true => Some(nacre.reply(&mut Conversation::new(), &a, &line.text, &locale(args, Some(line)))?.decision.strategy),
            false => None,
        };
        Ok(assessment_json(&line.id, &a, threshold, strategy.map(|s| s.as_str())))
    })
}

/// `respond --jsonl`: the assess contract plus `reply` and `trace`; lines with the same
/// `conversation` value are one conversation, in input order.
fn respond(args: &Args) -> Result<()> {
    let (nacre, _) = load(args)?;
    let threshold = nacre.calibration().map_or(0.5, |c| c.flag_threshold);
    let mut conversations: HashMap<String, Conversation> = HashMap::new();
    stream(&nacre, |line, a| {
        let key = match &line.conversation {
            Value::Null => format!("line:{}", line.id),
            other => other.to_string(),
        };
        let conversation = conversations.entry(key).or_default();
        let response = nacre.reply(conversation, &a, &line.text, &locale(args, Some(line)))?;
        let mut json = assessment_json(&line.id, &a, threshold, Some(response.decision.strategy.as_str()));
        json["reply"] = json!({
            "message": response.reply.message,
            "guidance": response.reply.guidance,
            "resources": response.reply.resources,
        });
        json["trace"] = serde_json::to_value(&response.decision.trace).expect("trace serializes");
        Ok(json)
    })
}

fn eval(args: &Args) -> Result<()> {
    let file = args.rest.first().ok_or_else(|| usage("eval needs a FILE"))?;
    let examples = dataset::read(Path::new(file))?;
    let examples: Vec<_> = match args.get("split") {
        Some(split) => examples.into_iter().filter(|e| e.split == split).collect(),
        None => examples,
    };
    let (nacre, _) = load(args)?;
    let threshold = nacre.calibration().map_or(0.5, |c| c.flag_threshold);
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let assessments = nacre::train::assess_all(&nacre, &texts)?;
    let labels: Vec<_> = examples.iter().map(|e| e.labels).collect();
    let report = metrics::evaluate(&assessments, &labels, threshold);
    if args.has("json") {
        println!("{}", serde_json::to_string_pretty(&report).expect("report serializes"));
    } else {
        println!("{report}");
    }
    Ok(())
}

fn train(args: &Args) -> Result<()> {
    let (nacre, bytes) = load(args)?;
    let examples = dataset::read(Path::new(args.require("data")?))?;
    let mut recipe = Recipe::default();
    recipe.seed = number(args, "seed")?.unwrap_or(recipe.seed);
    recipe.heads.max_epochs = number(args, "head-epochs")?.unwrap_or(recipe.heads.max_epochs);
    recipe.joint.max_epochs = number(args, "epochs")?.unwrap_or(recipe.joint.max_epochs);
    recipe.tuned_layers = number(args, "tune-layers")?.unwrap_or(recipe.tuned_layers);
    recipe.topic |= args.has("topic");
    recipe.joint.decay |= args.has("decay");
    recipe.joint.average_from = number(args, "average-from")?.unwrap_or(recipe.joint.average_from);
    let cache = args.get("cache").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let started = std::time::Instant::now();
    let trained = nacre::train::train(&nacre, &bytes, &examples, &recipe, &cache, &mut |line| eprintln!("{line}"))?;
    std::fs::write(args.require("out")?, &trained.heads_file)?;
    eprintln!("{} epochs in {:.0} s; dev at the shipped threshold:\n{}", trained.epochs, started.elapsed().as_secs_f32(), trained.dev);
    Ok(())
}

fn number<T: std::str::FromStr>(args: &Args, name: &str) -> Result<Option<T>> {
    args.get(name).map(|v| v.parse().map_err(|_| usage(&format!("--{name} must be a number")))).transpose()
}

fn distill(args: &Args) -> Result<()> {
    let (teacher, bytes) = load_path(Path::new(args.require("teacher")?))?;
    let examples = dataset::read(Path::new(args.require("data")?))?;
    let mut recipe = DistillRecipe::default();
    recipe.seed = number(args, "seed")?.unwrap_or(recipe.seed);
    recipe.stage.max_epochs = number(args, "epochs")?.unwrap_or(recipe.stage.max_epochs);
    recipe.vocabulary = number(args, "vocabulary")?.unwrap_or(recipe.vocabulary);
    recipe.trained_layers = number(args, "tune-layers")?.unwrap_or(recipe.trained_layers);
    if let Some(layers) = args.get("layers") {
        recipe.shape.layers = layers.split(',').map(|l| l.trim().parse()).collect::<std::result::Result<_, _>>()
            .map_err(|_| usage("--layers must be teacher layer numbers, e.g. 0,5"))?;
    }
    recipe.shape.intermediate_size = number(args, "ffn")?.or(recipe.shape.intermediate_size);
    recipe.shape.max_len = number(args, "max-len")?.unwrap_or(recipe.shape.max_len);
    recipe.temperature = number(args, "temperature")?.unwrap_or(recipe.temperature);
    recipe.hard_weight = number(args, "hard-weight")?.unwrap_or(recipe.hard_weight);
    recipe.risk_weight = number(args, "risk-weight")?.unwrap_or(recipe.risk_weight);
    recipe.stage.layer_learning_rate = number(args, "layer-lr")?.unwrap_or(recipe.stage.layer_learning_rate);
    recipe.stage.decay |= args.has("decay");
    recipe.stage.average_from = number(args, "average-from")?.unwrap_or(recipe.stage.average_from);
    let cache = args.get("cache").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let started = std::time::Instant::now();
    let from = args.get("from").map(std::fs::read).transpose()?;
    let distilled = nacre::train::distill(&teacher, &bytes, &examples, &recipe, from.as_deref(), &cache, &mut |line| eprintln!("{line}"))?;
    std::fs::write(args.require("out")?, &distilled.file)?;
    eprintln!("{} epochs in {:.0} s; dev at the shipped threshold:\n{}", distilled.epochs, started.elapsed().as_secs_f32(), distilled.dev);
    Ok(())
}

fn calibrate(args: &Args) -> Result<()> {
    let (shipped, _) = load_path(Path::new(args.require("model")?))?;
    let examples = dataset::read(Path::new(args.require("data")?))?;
    let trained = std::fs::read(args.require("trained")?)?;
    let (file, dev) = nacre::train::recalibrate(&shipped, &trained, &examples)?;
    std::fs::write(args.require("out")?, file)?;
    eprintln!("dev at the new threshold:\n{dev}");
    Ok(())
}

fn pack(args: &Args) -> Result<()> {
    if let Some(trained) = args.get("student") {
        let (Some(encoder), Some(policy), Some(resources)) = (args.get("encoder"), args.get("policy"), args.get("resources")) else {
            return Err(usage("pack --student needs --encoder, --policy and --resources"));
        };
        let student = nacre::train::assemble_student(&std::fs::read(encoder)?, &std::fs::read(trained)?)?;
        let bytes = nacre::pack::with_policy(&student, &std::fs::read_to_string(policy)?, &std::fs::read_to_string(resources)?)?;
        std::fs::write(args.require("out")?, &bytes)?;
        eprintln!("wrote {} ({} bytes)", args.require("out")?, bytes.len());
        return Ok(());
    }
    let precision = match args.get("precision").unwrap_or("int8") {
        "int8" => Precision::I8,
        "f32" => Precision::F32,
        other => return Err(usage(&format!("unknown precision {other}"))),
    };
    let max_len = args.get("max-len").unwrap_or("256").parse().map_err(|_| usage("--max-len must be a number"))?;
    let heads = args.get("heads").map(std::fs::read).transpose()?;
    let policy = match (args.get("policy"), args.get("resources")) {
        (Some(p), Some(r)) => Some((std::fs::read_to_string(p)?, std::fs::read_to_string(r)?)),
        (None, None) => None,
        _ => return Err(usage("--policy and --resources go together")),
    };
    let bytes = nacre::pack::pack_base(
        &PathBuf::from(args.require("base")?),
        args.get("name").unwrap_or("nacre-teacher"),
        args.get("version").unwrap_or(env!("CARGO_PKG_VERSION")),
        precision,
        max_len,
        heads.as_deref(),
        policy.as_ref().map(|(p, r)| (p.as_str(), r.as_str())),
    )?;
    std::fs::write(args.require("out")?, &bytes)?;
    eprintln!("wrote {} ({} bytes)", args.require("out")?, bytes.len());
    Ok(())
}

fn embed(args: &Args) -> Result<()> {
    let (nacre, _) = load(args)?;
    let mut out = std::io::stdout().lock();
    let mut emit = |text: &str| -> Result<()> {
        let line = match pollster::block_on(nacre.embed(text)) {
            Ok(vector) => json!(vector),
            Err(e) => error_json(&Value::Null, &e),
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
    let args = Args::parse(raw);
    match command.as_str() {
        "assess" => assess(&args),
        "respond" => respond(&args),
        "eval" => eval(&args),
        "train" => train(&args),
        "distill" => distill(&args),
        "calibrate" => calibrate(&args),
        "pack" => pack(&args),
        "embed" => embed(&args),
        _ => Err(usage(&format!("unknown command {command:?}"))),
    }
}

/// Keeps freed memory in the process. Training and batch assessment allocate and free tensors
/// of megabytes at every step; with glibc's defaults many go back to the kernel when freed and
/// are faulted in again, zeroed, when next allocated. With these settings a joint training
/// epoch on 2 cores took 577 s instead of 698 s (the same weights; model card, run 19).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only sets allocator parameters; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TOP_PAD, 128 << 20);
    }
}

fn main() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    keep_freed_memory();
    if let Err(e) = run() {
        eprintln!("nacre: {e}");
        std::process::exit(2);
    }
}
