
/** `Nacre.load` options. */
export interface LoadOptions {
  /** Where to run the model: WebGPU, the CPU, or WebGPU when the browser has an adapter. */
  backend?: "auto" | "webgpu" | "cpu";
}

/** `nacre.respond` options. */
export interface RespondOptions {
  /** BCP-47 locale that picks the help lines, e.g. "en-GB"; defaults to the browser's language. */
  locale?: string;
}

export type Category =
  | "none" | "self_harm" | "violence" | "weapons_cbrne" | "cyber" | "fraud_crime" | "drugs" | "sexual"
  | "child_safety" | "hate_harassment" | "privacy" | "misinformation" | "specialized_advice"
  | "intellectual_property" | "gambling" | "extremism_cults";
export type UserType = "benign" | "vulnerable" | "malicious";
/** What a reply does, from the most to the least permissive. The first three pass the
 * message on to the host assistant (with `guidance`); the others are Nacre's own reply. */
export type Strategy = "answer" | "answer_with_care" | "correct" | "redirect" | "support" | "decline" | "deter";
export type Topic = "emergency" | "crisis" | "domestic_abuse" | "child_abuse" | "poison_drugs" | "cybercrime_fraud";
export type Rule =
  | "child_safety_never_answered" | "nothing_operational_for_cbrne" | "no_answer_to_severe_malice"
  | "vulnerable_never_turned_away" | "crisis_resources_at_imminent_danger";
export type Reaction = "accepts" | "rephrases" | "escalates" | "leaves_for_unsafe_source" | "misuses";

/** The model's judgement of one message. */
export interface Assessment {
  category: Category;
  /** P(category) in `Category` order (16 values, sum 1). */
  category_probs: number[];
  /** How likely the message is to need flagging: the mean of 1 − P(none) and 1 − P(benign). */
  risk: number;
  user_type: UserType;
  /** P(benign), P(vulnerable), P(malicious). */
  user_type_probs: [number, number, number];
  /** Most likely severity, 0 (none) to 4 (imminent danger to life). */
  severity: number;
  severity_probs: number[];
  /** P(jailbreak or prompt injection). */
  jailbreak: number;
  /** Input tokens that weighed most, most important first. */
  evidence: string[];
  /** What normalization undid. */
  changes: (
    | "compatibility" | "invisible" | "control" | "confusable" | "spaced" | "dotted" | "repeated"
    | "url_encoded" | "base64" | "hex" | "rot13" | "reversed" | "leetspeak" | "truncated"
  )[];
}

/** One help line or official service. */
export interface Resource {
  topic: Topic;
  name: string;
  phone?: string;
  text?: string;
  url?: string;
  note?: string;
  source: string;
}

/** What Nacre says for one message. */
export interface Reply {
  strategy: Strategy;
  /** Nacre's words to the user; empty when the message is passed on. */
  message: string;
  /** Instruction for the host assistant; empty for a plain `answer`. */
  guidance: string;
  resources: Resource[];
}

export interface Utility {
  strategy: Strategy;
  expected: number;
  allowed: boolean;
  by_user: {
    user: UserType;
    probability: number;
    reactions: Partial<Record<Reaction, number>>;
    retention: number;
    risk: number;
    cost: number;
    utility: number;
  }[];
}

/** Why the policy decided as it did (user needs, risk intent, guideline, strategies, utilities). */
export interface Trace {
  user_needs: {
    need: "information" | "task" | "to_be_heard" | "support" | "harmful_capability";
    likely_user: UserType;
    user_type_probs: [number, number, number];
    message_user_type_probs: [number, number, number];
  };
  risk_intent: {
    form: "declarative" | "inquiry" | "directive";
    aggressive: boolean;
    surface_aggression: number;
    category: Category;
    risk: number;
    severity: number;
    expected_severity: number;
    jailbreak: number;
    obfuscated: boolean;
  };
  guideline: {
    category: Category;
    oyster: string[];
    hazards: string[];
    help_with: string;
    leave_out: string;
    add: string;
  };
  strategies: {
    safety: { rules: Rule[]; withhold: string | null; resources: Topic[] };
    usefulness: { serve: string | null; exposure: number; handed_on: boolean };
  };
  /** Every strategy's expected utility, in `Strategy` order. */
  utilities: Utility[];
  decided_by: { by: "expected_utility" } | { by: "rule"; rule: Rule; overruled: Strategy };
  conversation: {
    earlier_turns: number;
    carried_user_type_probs: [number, number, number];
    history_weight: number;
    rephrase_similarity: number;
    refusal_streak: number;
    persistence: number;
    care: number;
  };
  policy_version: string;
}

export interface Decision {
  strategy: Strategy;
  /** Help the reply points to. */
  resources: Topic[];
  trace: Trace;
}

/** One turn of `respond`: the assessment, the policy's decision and the reply. */
export interface Turn {
  assessment: Assessment;
  decision: Decision;
  reply: Reply;
}

/** The remembered turns (no message text). */
export interface Conversation {
  turns: {
    category: Category;
    severity: number;
    user_type_probs: [number, number, number];
    strategy: Strategy;
    fingerprint: number[];
  }[];
}
