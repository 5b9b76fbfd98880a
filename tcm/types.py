"""Pydantic models for every record the project stores or returns.

One module so a newcomer finds every shape in one place. Corpus records are
validated on load (see :mod:`tcm.corpora.io`); the same models feed the graph
loader, so a field that validates here is a property in the graph.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

Nature = Literal["大寒", "寒", "微寒", "凉", "平", "微温", "温", "热", "大热"]
Toxicity = Literal["无毒", "小毒", "有毒", "大毒"]
Pregnancy = Literal["禁用", "忌用", "慎用"]
Role = Literal["君", "臣", "佐", "使"]
SourceKind = Literal["pharmacopoeia", "standard", "classic", "textbook", "paper", "dataset", "curated"]
IncompatibilityRule = Literal["18反", "19畏"]

FLAVOURS = ("辛", "甘", "酸", "苦", "咸", "淡", "涩", "微辛", "微甘", "微酸", "微苦", "微咸", "微涩")
MERIDIANS = ("心", "肝", "脾", "肺", "肾", "胃", "胆", "大肠", "小肠", "膀胱", "三焦", "心包")


class OmitEmpty(BaseModel):
    """A result whose newer optional fields (``omit_empty``) are left out of its JSON while unset, so that
    documents of the stable CLI contract only grow where there is something to say."""

    omit_empty: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for k in self.omit_empty:
                if data.get(k) is None:
                    data.pop(k, None)
        return data


class Record(BaseModel):
    """Base for corpus records: strict fields, and at least one source each."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sources: list[str] = Field(min_length=1, description="Source ids (see corpora/sources.yaml)")


class Source(BaseModel):
    """A book, standard, data set or paper that a fact rests on."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.:-]*$")
    kind: SourceKind
    title: str
    title_en: str | None = None
    year: int | None = None
    edition: str | None = None
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    note: str | None = None


class Herb(Record):
    """A medicinal (中药) as a monograph describes it; processed forms are herbs too."""

    name_zh: str = Field(min_length=1)
    name_zh_hant: str
    pinyin: str = Field(description="Tone-marked, syllables separated by spaces: 'gān cǎo'")
    latin: str | None = Field(None, description="Pharmaceutical name: 'Glycyrrhizae Radix et Rhizoma'")
    name_en: str | None = None
    aliases: list[str] = []
    nature: Nature | None = None
    flavours: list[str] = []
    meridians: list[str] = []
    functions: list[str] = Field([], description="Short function terms, e.g. 补脾益气")
    indications: list[str] = Field([], description="Short indication terms, e.g. 脾胃虚弱")
    form_of: str | None = Field(None, description="Parent herb when this is a processed form (炙甘草 → 甘草)")
    group: str | None = Field(None, description="Rule group it belongs to (附子 → 乌头)")
    processing_forms: list[str] = Field([], description="Processed forms listed under this herb")
    categories: list[str] = Field([], description="中药学 class(es), e.g. 活血祛瘀药 (SymMap)")
    cautions: list[str] = []
    external_ids: dict[str, str] = {}
    summary_en: str = ""
    summary_zh: str = ""

    @field_validator("flavours")
    @classmethod
    def _known_flavours(cls, v: list[str]) -> list[str]:
        bad = [f for f in v if f not in FLAVOURS]
        if bad:
            raise ValueError(f"unknown flavour(s) {bad}; expected one of {FLAVOURS}")
        return v

    @field_validator("meridians")
    @classmethod
    def _known_meridians(cls, v: list[str]) -> list[str]:
        bad = [m for m in v if m not in MERIDIANS]
        if bad:
            raise ValueError(f"unknown meridian(s) {bad}; expected one of {MERIDIANS}")
        return v

    @property
    def id(self) -> str:
        return f"herb:{self.name_zh}"


class Ingredient(BaseModel):
    """One line of a formula's composition."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    herb: str = Field(description="Canonical herb name_zh (must exist in herbs)")
    as_written: str = Field(description="The name as the source writes it (香白芷, 杏仁)")
    dose_g: float | None = Field(None, gt=0)
    dose_text: str | None = Field(None, description="Original dose when not in grams: '3枚', '适量'")
    role: Role | None = None


class Formula(Record):
    """A classical formula (方剂) with its composition."""

    name_zh: str = Field(min_length=1)
    name_zh_hant: str
    pinyin: str
    name_en: str | None = None
    aliases: list[str] = Field([], description="Other names: 麻杏石甘汤 for 麻黄杏仁甘草石膏汤")
    category: str
    subcategory: str | None = None
    functions: list[str] = []
    syndromes: list[str] = Field([], description="Syndrome name_zh it treats")
    symptoms: list[str] = []
    composition: list[Ingredient] = Field(min_length=1)
    classical_source: str | None = Field(None, description="Book it comes from: 《伤寒论》")
    dose_basis: Literal["batch"] | None = Field(
        None, description="'batch': the amounts make the whole recipe (丸/散 ground and taken a portion at a time), "
                          "not a daily dose")
    summary_en: str = ""
    summary_zh: str = ""

    @model_validator(mode="after")
    def _unique_herbs(self) -> Formula:
        seen = [i.herb for i in self.composition]
        dup = sorted({h for h in seen if seen.count(h) > 1})
        if dup:
            raise ValueError(f"herb listed twice in composition: {dup}")
        return self

    @property
    def id(self) -> str:
        return f"formula:{self.name_zh}"


class Syndrome(Record):
    """A syndrome (证候) term, with its GB/T 15657-2021 code when the standard has it."""

    name_zh: str = Field(min_length=1)
    code: str | None = None
    term_number: str | None = Field(None, description="Clause number in GB/T 16751.2-2021")
    synonyms: list[str] = []
    parent: str | None = Field(None, description="name_zh of the broader term")
    name_en: str | None = None

    @property
    def id(self) -> str:
        return f"syndrome:{self.name_zh}"


class Disease(Record):
    """A disease (疾病) term, with its GB/T 15657-2021 code."""

    name_zh: str = Field(min_length=1)
    code: str | None = None
    term_number: str | None = None
    synonyms: list[str] = []
    parent: str | None = None
    name_en: str | None = None

    @property
    def id(self) -> str:
        return f"disease:{self.name_zh}"


class Symptom(Record):
    """A symptom or sign (症状/体征) as formulas' indications list them."""

    name_zh: str = Field(min_length=1)
    name_en: str | None = None

    @property
    def id(self) -> str:
        return f"symptom:{self.name_zh}"


# ---------------------------------------------------------------- clinical graph (issue 13)

SignKindT = Literal["symptom", "tongue", "pulse"]
MappingKind = Literal["exact", "synonym", "broader", "narrower"]


class Sign(Record):
    """A normalised clinical sign (symptom, tongue or pulse): 脉细, 苔少, 失眠."""

    name_zh: str = Field(min_length=1)
    kind: SignKindT
    name_en: str | None = None
    synonyms: list[str] = Field([], description="Other Chinese wordings (不寐, 少寐 for 失眠)")
    english: list[str] = Field([], description="English wordings a note may use")

    @property
    def id(self) -> str:
        return f"sign:{self.name_zh}"


class SyndromeSign(Record):
    """(Syndrome)-[:HAS_SIGN {weight, key}]->(Sign), from a GB/T 16751.2 definition or a formula's indications."""

    syndrome: str
    sign: str
    weight: float = Field(gt=0, le=1)
    key: bool = Field(description="A main feature (not one the definition lists as accompanying, 伴见)")


class FormulaSign(Record):
    """(Formula)-[:INDICATED_FOR]->(Sign), from the 方剂学 indications."""

    formula: str
    sign: str


class HerbSign(Record):
    """(Herb)-[:INDICATED_FOR]->(Sign), from the pharmacopoeia's indications (主治)."""

    herb: str
    sign: str


class CrosswalkRow(Record):
    """A formula's textbook indication mapped onto a GB/T 16751.2 syndrome; `kind` says how the GB/T term
    relates to the textbook name (exact, synonym, broader, narrower); `via` how the mapping was made."""

    formula: str
    textbook_name: str = Field(description="The textbook's name, or the 方剂学 subcategory for via=subcategory")
    syndrome: str = Field(description="GB/T syndrome name_zh (a term with a code)")
    code: str
    kind: MappingKind
    via: Literal["name", "subcategory", "curated"]


class FormulaFamily(Record):
    """(Formula)-[:VARIANT_OF]->(Formula): a modification of a base formula (its herbs plus others)."""

    base: str
    variant: str
    relation: Literal["named", "composition"] = Field(
        description="named: the variant's name builds on the base's (桂枝加葛根汤); composition: holds every herb")
    added: list[str] = Field([], description="Herbs the variant adds to the base")


class DiseasePattern(Record):
    """(Disease)-[:HAS_PATTERN {formula}]->(Syndrome): a GB/T disease the textbook names in a formula's
    indications, with the syndromes that formula is mapped to."""

    disease: str
    syndrome: str
    formula: str


class IncompatibilityRow(Record):
    """十八反 / 十九畏: herb_a (or its group) must not be combined with herb_b."""

    rule: IncompatibilityRule
    herb_a: str
    herb_b: str
    note: str | None = None


DoseUse = Literal["internal", "external", "processed"]


class DoseRangeRow(Record):
    """The pharmacopoeia's daily dose range for a herb, in grams.

    ``dose_min_g`` may be missing where only the upper bound is legible in the source
    (the safety engine needs the maximum; a lower bound is never guessed). A herb has one row
    without ``form`` (the herb as its monograph describes it) and may have more for a preparation
    the monograph doses apart (青礞石: 煎汤 10～15 g beside 3～6 g in pills). ``use`` says when the
    monograph gives no internal dose at all: ``external`` (外用 only: 巴豆, 红粉) or ``processed``
    (internal use only after processing, 一般炮制后用: 川乌, 草乌); such rows have no maximum.
    """

    herb: str
    dose_min_g: float | None = Field(None, gt=0)
    dose_max_g: float | None = Field(None, gt=0)
    note: str | None = None
    form: str | None = Field(None, description="Preparation this range is for: 煎汤 (decoction), a processed form")
    use: DoseUse = "internal"

    @model_validator(mode="after")
    def _ordered(self) -> DoseRangeRow:
        if self.dose_max_g is None and self.use == "internal":
            raise ValueError("dose_max_g is required unless use is external or processed")
        if self.dose_max_g is not None and self.use != "internal":
            raise ValueError(f"a row with use {self.use!r} has no internal dose; leave dose_min_g/dose_max_g empty")
        if self.dose_min_g is not None and (self.dose_max_g is None or self.dose_min_g > self.dose_max_g):
            raise ValueError(f"dose_min_g {self.dose_min_g} > dose_max_g {self.dose_max_g}")
        return self

    @property
    def key(self) -> str:
        """What is unique per row: the herb, and the preparation when the row is for one."""
        return f"{self.herb}/{self.form}" if self.form else self.herb


class ToxicityRow(Record):
    """A herb's toxicity grade as the pharmacopoeia states it."""

    herb: str
    grade: Toxicity


class PregnancyRow(Record):
    """A herb's pregnancy category: 禁用/忌用 (contraindicated) or 慎用 (caution)."""

    herb: str
    category: Pregnancy


class LactationRow(Record):
    """A cited caution for a herb while breastfeeding (the pharmacopoeia's 哺乳期/回乳, LactMed entries)."""

    herb: str
    severity: Literal["high", "moderate", "low"]
    effect_en: str = Field(description="What the source says, in the project's own words")
    effect_zh: str


class MonographStatement(Record):
    """Toxicity and dose as the herb's own pharmacopoeia monograph states them, never overridden.

    The rule tables the engine applies are checked against it: a herb toxic here cannot be 无毒 in
    rules/toxicity.csv, and a maximum above this one needs a cited override (a note and a source
    beyond the pharmacopoeia)."""

    herb: str
    toxicity: Toxicity | None = None
    dose_min_g: float | None = Field(None, gt=0)
    dose_max_g: float | None = Field(None, gt=0)


class VersePair(Record):
    """One pair the 十八反/十九畏 verse names (乌 with 半), with every corpus herb each word covers.

    The rule table must hold every (herbs_a × herbs_b) pair; `tcm corpora validate` checks it."""

    rule: IncompatibilityRule
    verse_a: str = Field(description="The verse's word for side a: 乌, 草, 藜芦, 硫黄 …")
    verse_b: str
    herbs_a: list[str] = Field(min_length=1)
    herbs_b: list[str] = Field(min_length=1)



# ------------------------------------------------------------------ graph API results


class Entity(BaseModel):
    """A graph node found by name: enough to show it and to fetch more."""

    id: str
    label: str
    name_zh: str | None = None
    name_en: str | None = None
    pinyin: str | None = None
    sources: list[str] = []


class CompositionItem(BaseModel):
    """One herb of a formula as the graph holds it."""

    herb: str
    herb_id: str
    as_written: str | None = None
    dose_g: float | None = None
    dose_text: str | None = None
    role: str | None = None
    sources: list[str] = []


class FormulaRef(BaseModel):
    """A formula in a list of results, with how many of the asked herbs it contains."""

    id: str
    name_zh: str
    name_en: str | None = None
    matched: int | None = None
    size: int | None = None


class Neighbour(BaseModel):
    """One relationship of a node: its type, direction and the node at the other end."""

    rel: str
    direction: Literal["out", "in"]
    id: str
    label: str
    name_zh: str | None = None
    props: dict[str, object] = {}


class QueryResult(BaseModel):
    """Columns and rows of a read-only Cypher query, as plain JSON values."""

    columns: list[str]
    rows: list[list[object]]
    truncated: bool = False  # more rows than the row cap: only the first ``max_rows`` are here

    def records(self) -> list[dict[str, object]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


class QueryLimits(BaseModel):
    """Bounds on one researcher query (``TCM_QUERY_*`` variables, ``tcm graph query`` options)."""

    timeout_s: float = Field(10.0, gt=0, le=3600)
    max_rows: int = Field(10_000, ge=1, le=10_000_000)
    max_length: int = Field(20_000, ge=10, le=1_000_000)
    memory_mb: int = Field(2048, ge=768, le=1_048_576)  # address space of the worker process that runs it


# ------------------------------------------------------------------ Western drugs and interactions

Severity = Literal["major", "moderate", "minor"]
Evidence = Literal["clinical", "case-report", "pharmacokinetic", "in-vitro", "theoretical"]
Enzyme = Literal["CYP1A2", "CYP2B6", "CYP2C8", "CYP2C9", "CYP2C19", "CYP2D6", "CYP2E1", "CYP3A4", "P-gp", "OATP1B1",
                 "UGT1A1"]


class DrugClass(Record):
    """A class of Western drugs that interaction rules name (anticoagulants, MAOIs...)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Slug, e.g. 'anticoagulants'")
    name_en: str
    name_zh: str
    atc: list[str] = Field([], description="ATC codes or prefixes that define the class")


class Drug(Record):
    """A commonly prescribed Western drug, named as a pharmacist would look it up."""

    name_en: str = Field(pattern=r"^[a-z0-9][a-z0-9 ,/()+'-]*$", description="Generic (INN) name, lower case")
    name_zh: str
    brands: list[str] = []
    aliases: list[str] = Field([], description="Other generic spellings and Chinese synonyms")
    atc: list[str] = Field(min_length=1, description="WHO ATC codes")
    classes: list[str] = Field([], description="DrugClass ids")
    substrate_of: list[Enzyme] = Field([], description="Enzymes/transporters it is a clinically relevant substrate of")
    narrow_therapeutic_index: bool = False


class HerbDrugInteraction(Record):
    """A curated, cited herb–drug (or herb–drug-class) interaction."""

    herb: str = Field(description="Herb name_zh")
    drug: str | None = Field(None, description="Drug name_en (generic)")
    drug_class: str | None = Field(None, description="DrugClass id, when the evidence is about a class")
    severity: Severity
    mechanism: str = Field(description="e.g. 'CYP3A4 inhibition', 'additive anticoagulant effect'")
    effect_en: str
    effect_zh: str
    evidence: Evidence

    @model_validator(mode="after")
    def _one_target(self) -> HerbDrugInteraction:
        if (self.drug is None) == (self.drug_class is None):
            raise ValueError("give exactly one of drug or drug_class")
        return self


class ClassInteractionRow(Record):
    """A herb class (中药学 category) whose shared effect adds to a drug class's (for inferred findings)."""

    category: str = Field(description="Herb class as Herb.categories names it, e.g. 活血祛瘀药")
    drug_class: str
    mechanism: str
    effect_en: str
    effect_zh: str


class CompoundEnzymeRow(Record):
    """A herb constituent that inhibits or induces an enzyme/transporter (for inferred interactions)."""

    herb: str
    compound: str = Field(description="Constituent name in English, e.g. 'berberine'")
    enzyme: Enzyme
    effect: Literal["inhibits", "induces"]


# ------------------------------------------------------------------ safety engine

FindingKind = Literal["incompatibility_18", "antagonism_19", "pregnancy", "lactation", "dose", "toxicity", "herb_drug",
                      "red_flag"]
FindingSeverity = Literal["critical", "high", "moderate", "low"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "moderate": 2, "low": 3}


class PatientFlags(BaseModel):
    """What the safety engine needs to know about the patient."""

    pregnant: bool = False
    breastfeeding: bool = False
    age_group: Literal["adult", "child", "elderly"] | None = None


class HerbItem(OmitEmpty):
    """A herb as the check understood it (``id`` is the graph id)."""

    omit_empty: ClassVar[tuple[str, ...]] = ("ambiguous", "notes")

    input: str
    id: str
    name_zh: str
    dose_g: float | None = None
    dose_text: str | None = None
    ambiguous: list[str] | None = Field(
        None, description="Every herb the written name may mean, when more than one (沙参: 北沙参, 南沙参); "
                          "the check treats it as each")
    notes: list[str] | None = Field(None, description="Preparation notes written with it (先煎, 后下)")


class DrugItem(BaseModel):
    input: str
    id: str
    name_en: str


class Finding(OmitEmpty):
    """One safety finding: what, how serious, about which items, why (evidence), in both languages."""

    omit_empty: ClassVar[tuple[str, ...]] = ("parts", "units", "ambiguous")

    kind: FindingKind
    severity: FindingSeverity
    items: list[str] = Field(description="Canonical names: herb name_zh, drug generic name in lower case")
    message_en: str
    message_zh: str
    evidence: list[str] = Field(description="Source ids (corpora/sources.yaml)")
    mechanism: str | None = None
    inferred: bool = False
    path: list[str] | None = Field(None, description="Graph path of an inferred interaction")
    parts: list[HerbItem] | None = Field(
        None, description="A dose finding about a herb written more than once or in several processed forms: "
                          "the lines whose grams were added up")
    units: Literal["modern", "han"] | None = Field(
        None, description="A dose finding: the convention classical units were read by (modern: 1 两 = 30 g; "
                          "han: 1 两 = 15.625 g)")
    ambiguous: dict[str, list[str]] | None = Field(
        None, description="Written names behind the finding that may mean several herbs, with every herb each "
                          "may mean (the finding holds for the herb in `items`)")


class InferredState(BaseModel):
    """Patient state read from the user's text ("我怀孕了", "I'm not breastfeeding"), and the words it rests on."""

    state: Literal["pregnant", "breastfeeding"]
    value: bool = Field(description="True when stated, False when denied (我没有怀孕, not nursing)")
    words: str
    applied: bool = Field(description="Whether it changed the rules applied (a stated flag always wins)")


class CheckResult(BaseModel):
    """`tcm check --json`: what was recognised, what was not, and the findings, most serious first."""

    herbs: list[HerbItem] = []
    drugs: list[DrugItem] = []
    unresolved: list[str] = []
    findings: list[Finding] = []
    inferred: list[InferredState] = Field([], description="Patient state inferred from the text")
    units: Literal["modern", "han"] = Field("modern", description="How classical units were read")


# ------------------------------------------------------------------ grounded answers


class Fact(BaseModel):
    """One numbered fact given to the generator: the text it may rely on, and where it comes from."""

    n: int
    id: str = Field(description="Graph id of the entity the fact is about")
    text: str
    sources: list[str]


class Citation(BaseModel):
    n: int
    id: str
    sources: list[str]


class ClaimCheck(BaseModel):
    """A statement in the answer compared with the graph."""

    claim: str
    status: Literal["supported", "contradicted"]
    detail: str
    id: str


class GeneratorInfo(BaseModel):
    backend: Literal["grounded", "transformers", "openai"]
    model: str | None = None
    adapter: str | None = None
    note: str | None = Field(None, description="Why the configured generator was not used, if it was not")


class Answer(BaseModel):
    """`tcm ask --json`: the answer, what it cites, what the graph says about its claims, and the safety findings."""

    question: str
    language: Literal["zh", "en"]
    answer: str
    citations: list[Citation] = []
    facts: list[Fact] = []
    claims: list[ClaimCheck] = []
    findings: list[Finding] = []
    generator: GeneratorInfo
    inferred: list[InferredState] = Field([], description="Patient state inferred from the question")
    emergency: bool = Field(False, description="A red flag ended herbal advice: the answer is urgent-care guidance")
    diagnosis: Diagnosis | None = Field(None, description="The differentiation, when the question describes a patient")


# ------------------------------------------------------------------ retrieval

SearchType = Literal["herb", "formula", "syndrome", "disease", "document", "any"]


class SearchHit(BaseModel):
    """One search result: the graph entity (or user document), how it ranked, and who vouches for it."""

    id: str = Field(description="Graph id: herb:甘草, formula:麻黄汤, syndrome:…, disease:…")
    type: str
    name_zh: str | None = None
    name_en: str | None = None
    pinyin: str | None = None
    score: float = Field(description="Fused score; higher is better (comparable within one result list only)")
    sources: list[str] = []


class SearchResult(BaseModel):
    """`tcm search --json`: the query and its hits, best first."""

    query: str
    hits: list[SearchHit] = []


class ClassicHit(BaseModel):
    """One passage of the classical library: where it stands in its book, and its original text."""

    book: str = Field(description="The book's title as the edition gives it: 伤寒论, 金匮要略方论 …")
    book_id: str = Field(description="The book's number in the dataset (457 for 伤寒论)")
    section: str = Field(description="The 篇名 the passage stands under")
    clause: int | None = Field(None, description="The clause number, in books numbered by clause (伤寒论, 金匮要略)")
    part: str = Field("", description="The volume, where the book repeats the section's name in another: "
                                      "卷二·中焦篇 for 《温病条辨》·寒湿")
    dynasty: str = ""
    author: str = ""
    year: str = ""
    text: str = Field(description="The original text (not normalised)")
    citation: str = Field(description="How to cite it: 《伤寒论》第35条, 《黄帝内经素问》·上古天真论篇")
    passage_id: int
    score: float = 0.0
    entities: list[str] = Field([], description="Graph entities the passage names: formula:麻黄汤, herb:桂枝")


class ClassicSearchResult(BaseModel):
    """`tcm search --type classic --json`: the query, how it was read, and the passages, best first."""

    query: str
    terms: list[str] = Field([], description="Chinese terms searched for (an English query's glossary terms too)")
    books: list[str] = Field([], description="Books the query names (or whose authors it names), searched first")
    hits: list[ClassicHit] = []
    note: str = Field("", description="What the search could not read: no hits because nothing of the query is in "
                                      "the library, or English words with no Chinese that were matched by meaning only")


# ------------------------------------------------------------------ batch analysis (tcm analyze)


class AnalysisHerb(OmitEmpty):
    """A herb of an analysed prescription: what was written, the herb it is, grams when a weight was given."""

    input: str
    name_zh: str
    dose_g: float | None = None
    dose_text: str | None = Field(None, description="A dose with no weight: '4枚', '七十个'")
    omit_empty: ClassVar[tuple[str, ...]] = ("ambiguous",)
    ambiguous: list[str] | None = Field(None, description="Every herb the written name may mean, when more than one")


class ScoredName(BaseModel):
    """A formula or syndrome with its score (0–1, higher is closer), best first in a list."""

    name_zh: str
    score: float


class AnalysisProfile(BaseModel):
    """Dose-weighted property profile of a prescription; each share map sums to 1 over herbs with data."""

    temperature: float | None = Field(description="Nature on −3 (大寒) … 0 (平) … +3 (大热), dose-weighted")
    nature: dict[str, float]
    flavours: dict[str, float]
    meridians: dict[str, float]
    coverage: float = Field(description="Share of the dose weight whose herbs have a known nature")


class AnalysisRow(BaseModel):
    """One output row of `tcm analyze`: one per input row, in input order."""

    row: int = Field(description="Position in the input, from 1 (CSV: record after the header; text/JSONL: line)")
    id: str | None = None
    status: Literal["ok", "partial", "error"]
    reason: str | None = Field(None, description="Why a row is partial or error")
    herbs: list[AnalysisHerb] = []
    drugs: list[str] = Field([], description="Western drugs recognised in the drugs column (generic names)")
    unresolved: list[str] = []
    matches: list[ScoredName] = Field([], description="Nearest classical formulas, best first")
    profile: AnalysisProfile | None = None
    syndromes: list[ScoredName] = Field([], description="Likely syndromes, through the matches and herb functions")
    findings: list[Finding] = []


# ---------------------------------------------------------------- differentiation (tcm diagnose)


class SignMention(OmitEmpty):
    """A sign read from the patient's text."""

    omit_empty: ClassVar[tuple[str, ...]] = ("severity", "duration")

    sign: str = Field(description="Sign name_zh (the graph's Sign node: sign:<name>)")
    kind: Literal["symptom", "tongue", "pulse"]
    name_en: str | None = None
    text: str = Field(description="The words it was read from")
    negated: bool = False
    severity: Literal["mild", "severe"] | None = None
    duration: str | None = None


class SyndromeScore(BaseModel):
    """A ranked syndrome: GB/T name and code, its score, the patient's signs it explains and its main signs not
    reported."""

    name_zh: str
    code: str | None = None
    id: str
    score: float
    matched: list[str]
    missing: list[str]
    contradicting: list[str] = []
    sources: list[str] = []


class FormulaScore(BaseModel):
    """A ranked formula with the syndrome it was reached through and why."""

    name_zh: str
    id: str
    score: float
    syndrome: str | None = Field(None, description="The GB/T syndrome (crosswalk) it treats, best scored")
    why: str
    matched: list[str] = []
    principle: list[str] = Field([], description="Its treatment principle (功用, 治法)")
    family: list[str] = Field([], description="Base and variants (VARIANT_OF)")
    sources: list[str] = []


class Diagnosis(BaseModel):
    """`tcm diagnose`: signs → ranked syndromes → treatment principle → ranked formulas, with safety findings."""

    text: str
    language: Literal["zh", "en"]
    signs: list[SignMention]
    syndromes: list[SyndromeScore]
    principle: list[str] = []
    formulas: list[FormulaScore]
    findings: list[Finding] = []
    insufficient: bool = Field(False, description="The evidence is too thin to name a syndrome")
    ask: list[str] = Field([], description="What to ask next")


Answer.model_rebuild()
