"""`tcm.assistant`: a question in Chinese or English becomes a cited, claim-checked, safety-checked answer.

Pipeline: detect the language → stop at a red flag (urgent-care guidance only, no generator) →
link entities (the shared resolver) → retrieve (when the
retrieval index is built) → numbered facts from the graph, each with its id and sources →
generate → parse [n] citations → check claims against the graph → run the safety engine over
the question, the patient's drugs and flags, and the answer. Safety runs in code after
generation, on the original inputs, so nothing in a question, a fact or an answer can switch
it off or hide a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tcm.generation import Generator, Prompt
from tcm.generation.claims import check_claims
from tcm.generation.claims import sentences as _sentences
from tcm.generation.claims import strip_citations as _strip_cites
from tcm.kg.base import GraphStore
from tcm.names import NameResolver
from tcm.safety.engine import SafetyEngine
from tcm.types import Answer, Citation, Fact, PatientFlags

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_CITE = re.compile(r"\[(\d{1,3})\]")
_ROLE_EN = {"君": "sovereign", "臣": "minister", "佐": "assistant", "使": "envoy"}
MAX_ENTITIES = 4
_ASKS_FORMULA = re.compile(r"什么方|何方|哪个方|用方|方剂|选方|主方|怎么办|如何治|怎么治|吃什么|"
                           r"formula|prescription|treat|what should", re.I)
_FORMULA_NAME = re.compile(r"(?:是|问|绍|的|用|吃|服|喝|说|讲|查|^)([\u4e00-\u9fff]{2,6}?(?:汤|散|丸|饮子|饮|丹|膏|煎))"
                           r"(?![\u4e00-\u9fff]*(?:汤|散|丸))")


def detect_language(text: str) -> str:
    """'zh' when Chinese characters outnumber English words, else 'en': an English question that names a herb
    in characters ("can she take 补阳还五汤?") is answered in English."""
    cjk = len(_CJK.findall(text))
    return "zh" if cjk and cjk >= len(_WORD.findall(text)) else "en"


@dataclass
class Assistant:
    store: GraphStore
    resolver: NameResolver
    engine: SafetyEngine
    generator: Generator

    @classmethod
    def default(cls, generator: Generator | None = None) -> Assistant:
        from tcm.context import default_context

        return default_context().assistant(generator)

    # ------------------------------------------------------------------ public
    def ask(self, question: str, drugs: str | None = None, flags: PatientFlags | None = None) -> Answer:
        *_, answer = self.stream(question, drugs, flags)
        return answer  # type: ignore[return-value]

    def stream(self, question: str, drugs: str | None = None, flags: PatientFlags | None = None
               ) -> Iterator[str | Answer]:
        """Yield answer text as it is generated, then the finished :class:`Answer`."""
        from tcm.errors import TCMError

        question = (question or "").strip()
        if not question:
            raise TCMError("empty question")
        lang = detect_language(question)
        urgent = self.emergency(question, lang)
        if urgent is not None:
            yield urgent.answer
            yield urgent
            return
        classical = self.classical(question, lang, drugs, flags)
        if classical is not None:
            yield classical.answer
            yield classical
            return
        clinical = self.clinical(question, lang, drugs, flags)
        if clinical is not None:
            yield clinical.answer
            yield clinical
            return
        unknown = self.unknown_name(question, lang)
        if unknown is not None:
            yield unknown.answer
            yield unknown
            return
        facts = self.facts_for(question, lang)
        prompt = Prompt(question=question, language=lang, facts=facts)
        parts: list[str] = []
        for piece in self.generator.stream(prompt):
            parts.append(piece)
            yield piece
        text = "".join(parts).strip()
        by_n = {f.n: f for f in facts}
        cited = sorted({int(n) for n in _CITE.findall(text) if int(n) in by_n})
        claims = check_claims(text, self.resolver, self.store)
        # A sentence that only restates a formula's composition as the graph has it (doses of 丸/散 are batch
        # amounts) is a quotation, not a dose for this patient; anything else the answer doses is checked.
        wrong = {c.claim for c in claims if c.status == "contradicted"}
        quoted = {c.claim for c in claims if c.id.startswith("formula:") and c.claim not in wrong}
        prescribed = "\n".join(s for s in _sentences(text) if _strip_cites(s) not in quoted)
        safety = self.engine.check(drugs=drugs, flags=flags or PatientFlags(), text=question, answer=prescribed)
        safety.findings += self._formula_state_findings(question, flags or PatientFlags(), safety)
        yield Answer(
            question=question, language=lang, answer=text,
            citations=[Citation(n=n, id=by_n[n].id, sources=by_n[n].sources) for n in cited],
            facts=facts, claims=claims, findings=safety.findings, generator=self.generator.info,
            inferred=safety.inferred,
        )

    def _formula_state_findings(self, question: str, flags: PatientFlags, safety) -> list:
        """Pregnancy and lactation rules for the herbs of a formula the question names ("哺乳期能喝当归补血汤吗"):
        the patient would take every herb in it. Only those two rules: a formula's own pairs and its batch
        amounts are what the textbook gives, not a prescription for this patient."""
        state = flags.model_copy(update={i.state: True for i in safety.inferred if i.applied})
        if not (state.pregnant or state.breastfeeding):
            return []
        have = {(f.kind, tuple(f.items)) for f in safety.findings}
        out = []
        for kind, name, _ in self.resolver.scan_all(question)[2]:
            herbs = [i.herb for i in self.store.composition(name)] if kind == "formula" else []
            if not herbs:
                continue
            for f in self.engine.check(herbs=herbs, flags=state).findings:
                if f.kind in ("pregnancy", "lactation") and (f.kind, tuple(f.items)) not in have:
                    have.add((f.kind, tuple(f.items)))
                    out.append(f.model_copy(update={"message_en": f"{f.message_en} (in {name})",
                                                    "message_zh": f"{f.message_zh}（{name}所含）"}))
        return out

    # ------------------------------------------------------------------ the classics
    def classical(self, question: str, lang: str, drugs: str | None = None, flags: PatientFlags | None = None
                  ) -> Answer | None:
        """A quotation to attribute or a numbered clause to quote (not a patient, not an entity): answered from
        the imported classical library, the passage quoted and cited, or "not found" (tcm.classics.answer)."""
        from tcm.classics.answer import answer, is_classics_question

        herbs, _drugs, others = self.resolver.scan_all(question)
        if not is_classics_question(question, names_an_entity=bool(herbs or others)):
            return None
        reply = answer(question, lang)
        facts = [Fact(n=i, id=f"classic:{h.passage_id}", text=f"{h.citation}：{h.text}", sources=[h.citation])
                 for i, h in enumerate(reply.hits, 1)]
        safety = self.engine.check(drugs=drugs, flags=flags or PatientFlags(), text=question)
        info = self.generator.info.model_copy(update={"note": "reply quoted from the classical library"})
        return Answer(question=question, language=lang, answer=reply.text,
                      citations=[Citation(n=f.n, id=f.id, sources=f.sources) for f in facts], facts=facts,
                      findings=safety.findings, generator=info, inferred=safety.inferred)

    # ------------------------------------------------------------------ clinical questions
    def clinical(self, question: str, lang: str, drugs: str | None = None, flags: PatientFlags | None = None
                 ) -> Answer | None:
        """A question that describes a patient (signs, tongue, pulse, or a named pattern and a request for a
        formula) goes through `tcm diagnose`; the reply is the structured differentiation, composed from the
        graph and cited, under every generator. A question naming a herb or formula is an entity question."""
        from tcm.reasoning import diagnose
        from tcm.reasoning.engine import default_reasoner
        from tcm.reasoning.reply import compose

        herbs, _drugs, others = self.resolver.scan_all(question)
        if herbs or any(k == "formula" for k, _, _ in others):
            return None
        reasoner = default_reasoner()
        present = [m for m in reasoner.lexicon.parse(question) if not m.negated]
        asks_formula = bool(_ASKS_FORMULA.search(question))
        if len(present) < 2 and not (asks_formula and (present or reasoner.named_patterns(question))):
            return None
        flags = flags or PatientFlags()
        d = diagnose(question, flags=flags, drugs=drugs, language=lang)
        text, facts = compose(d, reasoner.formula, reasoner.variants, lang)
        safety = self.engine.check(drugs=drugs, flags=flags, text=question)
        seen = {(f.kind, tuple(f.items)) for f in d.findings}
        findings = d.findings + [f for f in safety.findings if (f.kind, tuple(f.items)) not in seen]
        cited = sorted({int(n) for n in _CITE.findall(text)})
        by_n = {f.n: f for f in facts}
        info = self.generator.info.model_copy(update={"note": "clinical reply composed from tcm diagnose"})
        return Answer(question=question, language=lang, answer=text,
                      citations=[Citation(n=n, id=by_n[n].id, sources=by_n[n].sources) for n in cited if n in by_n],
                      facts=facts, claims=check_claims(text, self.resolver, self.store), findings=findings,
                      generator=info, inferred=safety.inferred, diagnosis=d)

    def unknown_name(self, question: str, lang: str) -> Answer | None:
        """A formula-like name (…汤/散/丸/饮/丹/膏) that no entry has, or a question that names nothing but has
        words that read like herbs (黄奇 for 黄芪): say so and ask, rather than answer about something else."""
        herbs, _drugs, others = self.resolver.scan_all(question)
        if not herbs and not others and (alike := self.resolver.sound_alikes(question)):
            if lang == "zh":
                guess = "；".join(f"“{w}”可能是{h}" for w, h in alike)
                text = f"图谱中没有这些药名，按读音推测：{guess}。请核对名称后再问；未确认的药名不做配伍和安全检查。"
            else:
                guess = "; ".join(f"“{w}” may be {h}" for w, h in alike)
                text = (f"The graph has no herb by these names. By sound: {guess}. Please check the names and ask "
                        "again; names not confirmed are not checked for combinations or safety.")
            return Answer(question=question, language=lang, answer=text, generator=self.generator.info,
                          inferred=self.engine.patient_state(question))
        known = [surface for k, _, surface in others if k == "formula"]
        for m in _FORMULA_NAME.finditer(question):
            name = m.group(1)
            if any(k in name or name in k for k in known) or self.resolver.scan_all(name)[2]:
                continue
            text = (f"图谱中没有名为“{name}”的方剂条目，无法据此回答；请核对名称（可用 tcm graph find 查找）。"
                    if lang == "zh" else
                    f"The graph has no entry named “{name}”, so I cannot answer about it; please check the name "
                    "(tcm graph find searches every name form).")
            return Answer(question=question, language=lang, answer=text, generator=self.generator.info,
                          inferred=self.engine.patient_state(question))
        return None

    def emergency(self, question: str, lang: str) -> Answer | None:
        """A red flag ends herbal advice: the answer is urgent-care guidance in the user's language and nothing
        else. The generator is never called, so no model, prompt or retrieved text can add a herb, a formula or
        a dose to it."""
        from tcm.safety.emergency import guidance

        flags = self.engine.red_flags(question)
        if not flags:
            return None
        info = self.generator.info.model_copy(update={"note": "not used: a red flag ends herbal advice"})
        return Answer(question=question, language=lang, answer=guidance(flags, lang), findings=flags,
                      generator=info, inferred=self.engine.patient_state(question), emergency=True)

    # ------------------------------------------------------------------ facts
    def entities(self, question: str) -> list[str]:
        """Graph ids the question is about: names it contains first, then retrieval hits."""
        herbs, _drugs, others = self.resolver.scan_all(question)
        ids = [f"{k}:{v}" for k, v, _ in others] + [f"herb:{h.name_zh}" for h in herbs]
        if not ids:  # no name in the question ("a herb for dry cough"): retrieval finds the entries
            try:
                from tcm.retrieval import search

                ids += [h.id for h in search(question, k=3).hits]
            except Exception:  # noqa: BLE001 - no index built yet, or retrieval not installed
                pass
        return list(dict.fromkeys(ids))[:MAX_ENTITIES]

    def facts_for(self, question: str, lang: str) -> list[Fact]:
        facts: list[Fact] = []
        for eid in self.entities(question):
            kind, name = eid.split(":", 1)
            texts = {"formula": self._formula_facts, "herb": self._herb_facts,
                     "syndrome": self._syndrome_facts}.get(kind, lambda *_: [])(name, lang)
            for text, sources in texts:
                facts.append(Fact(n=len(facts) + 1, id=eid, text=text, sources=sources))
        return facts

    def _node(self, label: str, name: str) -> dict:
        return self.store.node(f"{label.lower()}:{name}") or {}

    def _formula_facts(self, name: str, lang: str) -> list[tuple[str, list[str]]]:
        node = self._node("Formula", name)
        comp = self.store.composition(name)
        if not node or not comp:
            return []
        src = node.get("classical_source") or ""

        def item(i) -> str:
            dose = f"{i.dose_g:g}g" if i.dose_g is not None else (i.dose_text or "")
            if lang == "zh":
                role = f"（{i.role}）" if i.role else ""
                return f"{i.herb}{dose}{role}"
            role = f" ({_ROLE_EN[i.role]})" if i.role else ""
            return f"{i.herb} {dose.replace('g', ' g') if i.dose_g is not None else dose}{role}".strip()

        syndromes = self.store.formula_syndromes(name).get(name, [])
        funcs = node.get("functions") or []
        from tcm.corpora.summaries import BATCH_EN, BATCH_ZH

        batch = node.get("dose_basis") == "batch"
        classic = self._classic_fact(name, src, lang)
        if lang == "zh":
            made_of = "、".join(item(i) for i in comp)
            out = [(f"{name}{'出自' + src if src else ''}，组成：{made_of}。" + (BATCH_ZH if batch else ""),
                    node["sources"]), *classic]
            if funcs or syndromes:
                treats = "、".join(syndromes) or "（未列）"
                out.append((f"{name}功用：{'，'.join(funcs)}；主治：{treats}。", node["sources"]))
            return out
        en_name = f"{name} ({node.get('pinyin', '')}; {node.get('name_en') or ''})"
        out = [(f"{en_name}{', from ' + src if src else ''}, consists of {', '.join(item(i) for i in comp)}."
                + (f" {BATCH_EN}" if batch else ""), node["sources"]), *classic]
        if funcs or syndromes:
            out.append((f"{name} functions (Chinese terms): {', '.join(funcs)}; indicated for: "
                        f"{', '.join(syndromes) or '(not listed)'}.", node["sources"]))
        return out

    @staticmethod
    def _classic_fact(name: str, src: str, lang: str) -> list[tuple[str, list[str]]]:
        """The clause the formula comes from, quoted from the imported classical library ("《伤寒论》第35条：
        …麻黄汤主之。"); nothing when the library is not imported or holds no such clause."""
        try:
            from tcm.classics.search import clause_excerpt, source_clauses

            hits = source_clauses(name, src)
        except Exception:  # noqa: BLE001 - the library is optional: an answer never fails for want of it
            return []
        out = []
        for h in hits:
            quote = clause_excerpt(h, name)
            text = (f"{name}的原文见{h.citation}：“{quote}”" if lang == "zh"
                    else f"{name} comes from {h.citation} (original text): “{quote}”")
            out.append((text, [h.citation]))
        return out

    def _herb_facts(self, name: str, lang: str) -> list[tuple[str, list[str]]]:
        node = self._node("Herb", name)
        if not node:
            return []
        out = [(node.get("summary_zh" if lang == "zh" else "summary_en") or name, node["sources"])]
        if node.get("cautions"):
            out.append(((f"{name}注意：" + "；".join(node["cautions"]) + "。") if lang == "zh" else
                        f"{name} cautions (pharmacopoeia, Chinese): " + "; ".join(node["cautions"]) + ".",
                        node["sources"]))
        formulas = [r.name_zh for r in self.store.herb_formulas(name)][:8]
        if formulas:
            out.append(((f"含{name}的方剂：" + "、".join(formulas) + "。") if lang == "zh" else
                        f"Formulas containing {name}: " + ", ".join(formulas) + ".", ["fangjixue"]))
        return out

    def _syndrome_facts(self, name: str, lang: str) -> list[tuple[str, list[str]]]:
        node = self._node("Syndrome", name)
        if not node:
            return []
        formulas = [r.name_zh for r in self.store.formulas_for_syndrome(name)]
        code = f"（GB/T 15657 代码 {node['code']}）" if node.get("code") and lang == "zh" else (
            f" (GB/T 15657 code {node['code']})" if node.get("code") else "")
        if lang == "zh":
            text = f"{name}{code}" + (f"，常用方剂：{'、'.join(formulas)}。" if formulas else "。")
        else:
            text = f"{name}{code}" + (f": formulas used for it: {', '.join(formulas)}." if formulas else ".")
        return [(text, node["sources"])]
