// Graph schema for the embedded store (LadybugDB). LadybugDB wants the schema before data:
// one label per node table, typed properties, and relationship tables that name their endpoints.
// Every node and relationship carries `sources` (ids of Source nodes); nodes also link to them
// through CITES. `names` holds every lower-cased name form, for lookup by any name.
// Keep in step with schema.neo4j.cypher and tcm/kg/rows.py (tests/contract checks both).

CREATE NODE TABLE Herb(id STRING PRIMARY KEY, name_zh STRING, name_zh_hant STRING, pinyin STRING, pinyin_plain STRING, latin STRING, name_en STRING, aliases STRING[], names STRING[], nature STRING, flavours STRING[], meridians STRING[], functions STRING[], indications STRING[], dose_min_g DOUBLE, dose_max_g DOUBLE, toxicity STRING, pregnancy STRING, form_of STRING, herb_group STRING, processing_forms STRING[], categories STRING[], cautions STRING[], external_ids STRING[], summary_en STRING, summary_zh STRING, sources STRING[]);
CREATE NODE TABLE Formula(id STRING PRIMARY KEY, name_zh STRING, name_zh_hant STRING, pinyin STRING, pinyin_plain STRING, name_en STRING, names STRING[], category STRING, subcategory STRING, functions STRING[], classical_source STRING, dose_basis STRING, summary_en STRING, summary_zh STRING, sources STRING[]);
CREATE NODE TABLE Syndrome(id STRING PRIMARY KEY, name_zh STRING, name_zh_hant STRING, code STRING, term_number STRING, synonyms STRING[], names STRING[], parent STRING, name_en STRING, sources STRING[]);
CREATE NODE TABLE Disease(id STRING PRIMARY KEY, name_zh STRING, name_zh_hant STRING, code STRING, term_number STRING, synonyms STRING[], names STRING[], parent STRING, name_en STRING, sources STRING[]);
CREATE NODE TABLE Symptom(id STRING PRIMARY KEY, name_zh STRING, name_zh_hant STRING, name_en STRING, names STRING[], sources STRING[]);
CREATE NODE TABLE Drug(id STRING PRIMARY KEY, name_en STRING, name_zh STRING, brands STRING[], aliases STRING[], names STRING[], atc STRING[], narrow_therapeutic_index BOOLEAN, sources STRING[]);
CREATE NODE TABLE DrugClass(id STRING PRIMARY KEY, name_en STRING, name_zh STRING, names STRING[], atc STRING[], sources STRING[]);
CREATE NODE TABLE Compound(id STRING PRIMARY KEY, name_en STRING, names STRING[], sources STRING[]);
CREATE NODE TABLE Enzyme(id STRING PRIMARY KEY, name_en STRING, names STRING[], sources STRING[]);
CREATE NODE TABLE Sign(id STRING PRIMARY KEY, name_zh STRING, name_zh_hant STRING, kind STRING, name_en STRING, synonyms STRING[], english STRING[], names STRING[], sources STRING[]);
CREATE NODE TABLE Principle(id STRING PRIMARY KEY, name_zh STRING, name_zh_hant STRING, names STRING[], sources STRING[]);
CREATE NODE TABLE Source(id STRING PRIMARY KEY, kind STRING, title STRING, title_en STRING, year INT64, edition STRING, pmid STRING, doi STRING, url STRING, note STRING, names STRING[], sources STRING[]);

CREATE REL TABLE CONTAINS(FROM Formula TO Herb, as_written STRING, dose_g DOUBLE, dose_text STRING, role STRING, sources STRING[]);
CREATE REL TABLE TREATS(FROM Formula TO Syndrome, kind STRING, via STRING, textbook_name STRING, sources STRING[]);
CREATE REL TABLE HAS_SIGN(FROM Syndrome TO Sign, weight DOUBLE, key BOOLEAN, sources STRING[]);
CREATE REL TABLE INDICATED_FOR(FROM Formula TO Sign, FROM Herb TO Sign, sources STRING[]);
CREATE REL TABLE TREATED_BY(FROM Syndrome TO Principle, sources STRING[]);
CREATE REL TABLE REALISED_BY(FROM Principle TO Formula, sources STRING[]);
CREATE REL TABLE HAS_FUNCTION(FROM Herb TO Principle, sources STRING[]);
CREATE REL TABLE HAS_PATTERN(FROM Disease TO Syndrome, formula STRING, sources STRING[]);
CREATE REL TABLE VARIANT_OF(FROM Formula TO Formula, relation STRING, added STRING[], sources STRING[]);
CREATE REL TABLE RELIEVES(FROM Formula TO Symptom, sources STRING[]);
CREATE REL TABLE HAS_SYMPTOM(FROM Syndrome TO Symptom, sources STRING[]);
CREATE REL TABLE FORM_OF(FROM Herb TO Herb, sources STRING[]);
CREATE REL TABLE INCOMPATIBLE(FROM Herb TO Herb, rule STRING, inherited BOOLEAN, sources STRING[]);
CREATE REL TABLE SUBTYPE_OF(FROM Syndrome TO Syndrome, FROM Disease TO Disease, sources STRING[]);
CREATE REL TABLE INTERACTS(FROM Herb TO Drug, FROM Herb TO DrugClass, severity STRING, mechanism STRING, effect_en STRING, effect_zh STRING, evidence STRING, sources STRING[]);
CREATE REL TABLE HAS_COMPOUND(FROM Herb TO Compound, sources STRING[]);
CREATE REL TABLE INHIBITS(FROM Compound TO Enzyme, sources STRING[]);
CREATE REL TABLE INDUCES(FROM Compound TO Enzyme, sources STRING[]);
CREATE REL TABLE SUBSTRATE_OF(FROM Drug TO Enzyme, sources STRING[]);
CREATE REL TABLE IN_CLASS(FROM Drug TO DrugClass, sources STRING[]);
CREATE REL TABLE CITES(FROM Herb TO Source, FROM Formula TO Source, FROM Syndrome TO Source, FROM Disease TO Source, FROM Symptom TO Source, FROM Drug TO Source, FROM DrugClass TO Source, FROM Compound TO Source, FROM Enzyme TO Source, FROM Sign TO Source, FROM Principle TO Source, FROM Source TO Source, sources STRING[]);
