// Graph schema for Neo4j 5: Neo4j needs no table declarations, only constraints and indexes.
// Node labels and properties are those of schema.ladybug.cypher; `id` is unique per label.
// Keep in step with schema.ladybug.cypher and tcm/kg/rows.py (tests/contract checks both).

CREATE CONSTRAINT herb_id IF NOT EXISTS FOR (n:Herb) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT formula_id IF NOT EXISTS FOR (n:Formula) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT syndrome_id IF NOT EXISTS FOR (n:Syndrome) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT disease_id IF NOT EXISTS FOR (n:Disease) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT symptom_id IF NOT EXISTS FOR (n:Symptom) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT drug_id IF NOT EXISTS FOR (n:Drug) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT drugclass_id IF NOT EXISTS FOR (n:DrugClass) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT compound_id IF NOT EXISTS FOR (n:Compound) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT enzyme_id IF NOT EXISTS FOR (n:Enzyme) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT sign_id IF NOT EXISTS FOR (n:Sign) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT principle_id IF NOT EXISTS FOR (n:Principle) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT source_id IF NOT EXISTS FOR (n:Source) REQUIRE n.id IS UNIQUE;
CREATE INDEX herb_name_zh IF NOT EXISTS FOR (n:Herb) ON (n.name_zh);
CREATE INDEX formula_name_zh IF NOT EXISTS FOR (n:Formula) ON (n.name_zh);
CREATE INDEX syndrome_name_zh IF NOT EXISTS FOR (n:Syndrome) ON (n.name_zh);
CREATE INDEX syndrome_code IF NOT EXISTS FOR (n:Syndrome) ON (n.code);
CREATE INDEX disease_name_zh IF NOT EXISTS FOR (n:Disease) ON (n.name_zh);
CREATE INDEX disease_code IF NOT EXISTS FOR (n:Disease) ON (n.code);
CREATE INDEX symptom_name_zh IF NOT EXISTS FOR (n:Symptom) ON (n.name_zh);
CREATE INDEX sign_name_zh IF NOT EXISTS FOR (n:Sign) ON (n.name_zh);
CREATE INDEX principle_name_zh IF NOT EXISTS FOR (n:Principle) ON (n.name_zh);
