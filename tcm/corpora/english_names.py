"""English names derived by rule for pharmacopoeia herbs that have none (source ``derived-latin``).

Why: about a fifth of the 2010 Chinese Pharmacopoeia's medicinals have no English name in any data set the
project reads (SymMap's English column repeats the Latin or is empty for them), yet an English-speaking user
must be able to name every one, and the name must not be invented. So the name is *translated* from facts
the corpus already cites, by two explicit rules and the small tables below; nothing else goes in:

1. A processed form (``form_of`` set: 法半夏, 炙黄芪, 荆芥炭 …) is its parent herb's English name with the
   processing method from :data:`PROCESSING`. The method is read from the Chinese name (the characters that
   are not in the parent's name: 炙, 炒, 炭 …); each term is the pharmacopoeia's own processing method
   (ChP 2010 Vol. I, Appendix II D 炮制通则, which the monographs cite as 附录ⅡD, or the form's 【制法】),
   and the form's Latin name must confirm it (炙 needs "cum Melle", 炭 "Carbonisata", 霜/粉 "Pulveratum" …).
   When the form's Latin names another part than the parent's (巴豆霜 is Crotonis *Semen* Pulveratum, 巴豆 is
   Crotonis *Fructus*), the part comes from rule 2 instead of the parent's name.
2. Any other herb: its pharmacopoeia Latin name rendered word by word in the standard pattern
   "<taxon> <part>": the genus in the nominative (:data:`GENERA`: Dictamni → Dictamnus), the species epithet
   when the Latin has one (:data:`EPITHETS`: Phellodendri Amurensis → Phellodendron amurense, checked against
   the binomial in the monograph's 来源), the part in English (:data:`PARTS`: Cortex → bark), and the Latin's
   qualifiers (:data:`QUALIFIERS`, :data:`WITH`). Only what the Latin says is translated: Dictamni Cortex is
   "Dictamnus bark", not "root bark". A genus is replaced by an English word only where that word is the
   genus's one unambiguous name (Manis → pangolin, Bovis → bovine, Borneolum → borneol).

A derived name that would equal another herb's name is qualified by species (:data:`QUALIFIED`); one that
still collides, or a Latin word no table knows, leaves the herb unnamed and says so in the import notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tcm.names.forms import normalize_name
from tcm.types import Herb

SOURCE = "derived-latin"

#: Latin part (drug) words → English.
PARTS = {
    "Cortex": "bark", "Radix": "root", "Rhizoma": "rhizome", "Herba": "herb", "Folium": "leaf",
    "Fructus": "fruit", "Semen": "seed", "Flos": "flower", "Caulis": "stem", "Ramulus": "twig",
    "Spica": "spike", "Pericarpium": "peel", "Exocarpium": "exocarp", "Bulbus": "bulb", "Squama": "scale",
    "Calculus": "calculus", "Cutis": "skin", "Corolla": "corolla", "Petiolus": "petiole",
    "Cacumen": "twig tip",  # cacumen: the top of a branch (九里香: 叶和带叶嫩枝)
}

#: Latin qualifier words → English adjectives (they go before the taxon).
QUALIFIERS = {
    "Praeparatum": "processed", "Praeparata": "processed", "Praeparatus": "processed",
    "Preparatum": "processed",  # the spelling over 制天南星 in the text
    "Tostum": "stir-fried", "Carbonisata": "charred", "Pulveratum": "powdered", "Cocta": "boiled",
    "Concisum": "sliced", "Rubrum": "red", "Immaturus": "immature", "Recens": "fresh",
    "Artifactus": "artificial", "Sativus": "cultured",  # 体外培育牛黄: cultured in vitro
    "Parvus": "small",  # 金钱白花蛇: the young snake (幼蛇)
}

#: Ablatives after "cum" ("with") → English.
WITH = {"Melle": "honey", "Zingibere": "ginger", "Alumine": "alum", "Bile": "bile"}

#: Genus (as the Latin name prints it: genitive, or nominative for some animals) → English head word.
GENERA = {
    "Abelmoschi": "Abelmoschus", "Acanthopanacis": "Acanthopanax", "Aconiti": "Aconitum", "Acori": "Acorus",
    "Agkistrodon": "Agkistrodon", "Ajugae": "Ajuga", "Alpiniae": "Alpinia", "Ardisiae": "Ardisia",
    "Arecae": "Areca", "Arisaema": "Arisaema", "Arisaematis": "Arisaema", "Aspongopus": "Aspongopus",
    "Astragali": "Astragalus", "Baphicacanthis": "Baphicacanthus", "Berberidis": "Berberis",
    "Broussonetiae": "Broussonetia", "Bungarus": "Bungarus", "Callicarpae": "Callicarpa", "Celosiae": "Celosia",
    "Changii": "Changium", "Cibotii": "Cibotium", "Cirsii": "Cirsium", "Cissampelotis": "Cissampelos",
    "Citri": "Citrus", "Conyzae": "Conyza", "Crataegi": "Crataegus", "Crotonis": "Croton",
    "Cynomorii": "Cynomorium", "Dendrobii": "Dendrobium", "Desmodii": "Desmodium", "Dictamni": "Dictamnus",
    "Dioscoreae": "Dioscorea", "Dryopteridis": "Dryopteris", "Entadae": "Entada", "Epimedii": "Epimedium",
    "Erigerontis": "Erigeron", "Eucommiae": "Eucommia", "Eupatorii": "Eupatorium", "Euphorbiae": "Euphorbia",
    "Eupolyphaga": "Eupolyphaga", "Fibraureae": "Fibraurea", "Fritillariae": "Fritillaria",
    "Gardeniae": "Gardenia", "Gei": "Geum", "Gendarussae": "Gendarussa", "Hedysari": "Hedysarum",
    "Ilicis": "Ilex", "Iridis": "Iris", "Kadsurae": "Kadsura", "Knoxiae": "Knoxia", "Laggerae": "Laggera",
    "Lagotidis": "Lagotis", "Lamiophlomis": "Lamiophlomis", "Ligustici": "Ligusticum", "Liriopes": "Liriope",
    "Litseae": "Litsea", "Lonicerae": "Lonicera", "Lophatheri": "Lophatherum", "Lysionoti": "Lysionotus",
    "Magnoliae": "Magnolia", "Marsdeniae": "Marsdenia", "Menispermi": "Menispermum", "Microctis": "Microcos",
    "Momordicae": "Momordica", "Murrayae": "Murraya", "Osmundae": "Osmunda", "Panacis": "Panax",
    "Paridis": "Paris", "Pegaeophyti": "Pegaeophyton", "Peucedani": "Peucedanum",
    "Phellodendri": "Phellodendron", "Picrasmae": "Picrasma", "Picriae": "Picria", "Picrorhizae": "Picrorhiza",
    "Pinelliae": "Pinellia", "Polygalae": "Polygala", "Polygoni": "Polygonum", "Poriae": "Poria",
    "Psammosilenes": "Psammosilene", "Pseudolaricis": "Pseudolarix", "Pterocephali": "Pterocephalus",
    "Puerariae": "Pueraria", "Pyrrosiae": "Pyrrosia", "Rabdosiae": "Rabdosia", "Rehmanniae": "Rehmannia",
    "Saussureae": "Saussurea", "Schizonepetae": "Schizonepeta", "Senecionis": "Senecio",
    "Siegesbeckiae": "Siegesbeckia", "Sinopodophylli": "Sinopodophyllum", "Siphonostegiae": "Siphonostegia",
    "Stauntoniae": "Stauntonia", "Steleophaga": "Steleophaga", "Strychni": "Strychnos", "Swertiae": "Swertia",
    "Syringae": "Syringa", "Terminaliae": "Terminalia", "Thlaspi": "Thlaspi", "Tinosporae": "Tinospora",
    "Trachycarpi": "Trachycarpus", "Trichosanthis": "Trichosanthes", "Turpiniae": "Turpinia",
    "Valerianae": "Valeriana", "Vladimiriae": "Vladimiria", "Zaocys": "Zaocys", "Zingiberis": "Zingiber",
    # Latin names that print the species epithet alone; the genus is the monograph's (来源)
    "Chebulae": "Terminalia chebula", "Galangae": "Alpinia galanga", "Wenyujin": "Curcuma wenyujin",
    # English words used for a genus only where the word names that genus and nothing else
    "Manis": "pangolin",  # Manis: the pangolins (穿山甲, Manis pentadactyla)
    "Bovis": "bovine",  # Bos, cattle (牛, Bos taurus domesticus)
}

#: Minerals and prepared substances: the Latin noun → its English noun.
SUBSTANCES = {"Borneolum": "borneol", "l-Borneolum": "l-borneol", "Mirabilitum": "mirabilite"}

#: Whole-animal drugs (the Latin has no part word; the monograph: 干燥体, the dried body) → class noun.
ANIMALS = {"Agkistrodon": "snake", "Bungarus": "snake", "Zaocys": "snake",  # 蝰科, 眼镜蛇科, 游蛇科
           "Aspongopus": "insect", "Eupolyphaga": "insect", "Steleophaga": "insect"}  # 昆虫

#: (genus, epithet) as the Latin prints them → the epithet in the nominative, as the monograph's binomial has it.
EPITHETS = {
    ("Acori", "Calami"): "calamus", ("Aconiti", "Kusnezoffii"): "kusnezoffii",
    ("Alpiniae", "Katsumadai"): "katsumadai", ("Ardisiae", "Crenatae"): "crenata",
    ("Baphicacanthis", "Cusiae"): "cusia", ("Callicarpae", "Formosanae"): "formosana",
    ("Callicarpae", "Macrophyllae"): "macrophylla", ("Cirsii", "Japonici"): "japonicum",
    ("Dendrobii", "Officinalis"): "officinale", ("Desmodii", "Styracifolii"): "styracifolium",
    ("Dioscoreae", "Hypoglaucae"): "hypoglauca", ("Dioscoreae", "Panthaicae"): "panthaica",
    ("Dryopteridis", "Crassirhizomatis"): "crassirhizoma", ("Epimedii", "Wushanensis"): "wushanense",
    ("Eupatorii", "Lindleyani"): "lindleyanum", ("Euphorbiae", "Ebracteolatae"): "ebracteolata",
    ("Euphorbiae", "Hirtae"): "hirta", ("Fritillariae", "Hupehensis"): "hupehensis",
    ("Ilicis", "Rotundae"): "rotunda", ("Iridis", "Tectori"): "tectorum",
    ("Magnoliae", "Officinalis"): "officinalis", ("Marsdeniae", "Tenacissimae"): "tenacissima",
    ("Panacis", "Majoris"): "japonicus var. major",  # 珠子参: Panax japonicus var. major
    ("Peucedani", "Decursivi"): "decursivum", ("Phellodendri", "Amurensis"): "amurense",
    ("Polygalae", "Japonicae"): "japonica", ("Polygoni", "Multiflori"): "multiflorum",
    ("Polygoni", "Perfoliati"): "perfoliatum", ("Puerariae", "Thomsonii"): "thomsonii",
    ("Rabdosiae", "Rubescentis"): "rubescens", ("Saussureae", "Involucratae"): "involucrata",
    ("Senecionis", "Scandentis"): "scandens", ("Terminaliae", "Belliricae"): "bellirica",
    ("Valerianae", "Jatamansi"): "jatamansi",
}


@dataclass(frozen=True)
class Term:
    """A processing method: the English (``{}`` is the parent's name), the Latin words that confirm it (any
    one), and the pharmacopoeia method it stands for."""

    english: str
    latin: tuple[str, ...]
    method: str


#: Chinese processing terms of the processed forms → their English (ChP 2010 Vol. I, 附录ⅡD 炮制通则 / 【制法】).
PROCESSING = {
    "炙": Term("honey-fried {}", ("Melle",), "蜜炙法: stir-fried with honey"),
    "炒": Term("stir-fried {}", ("Tostum",), "清炒法: stir-fried without adjuvant"),
    "焦": Term("scorched {}", ("Tostum", "Praeparatus"), "清炒法, 炒焦: stir-fried until scorched"),
    "炭": Term("charred {}", ("Carbonisata",), "炒炭法: stir-fried until charred"),
    "制": Term("processed {}", ("Praeparatum", "Praeparata", "Preparatum", "Cocta"),
               "【制法】: soaked and boiled or steamed (with adjuvants)"),
    "霜": Term("defatted powdered {}", ("Pulveratum",), "制霜法: ground and defatted (霜)"),
    "粉": Term("powdered {}", ("Pulveratum",), "【制法】: ground to a fine powder"),
    "炮": Term("sand-fried {}", ("Praeparatum",), "烫法: scalded in hot sand until puffed"),
    "法": Term("{} processed with liquorice and lime", ("Praeparatum",),
               "【制法】 of 法半夏: soaked in liquorice decoction and lime water"),
    "姜": Term("{} processed with ginger and alum", ("Zingibere",),
               "【制法】 of 姜半夏: boiled with ginger decoction and alum"),
    "清": Term("{} processed with alum", ("Alumine",), "【制法】 of 清半夏: soaked in 8% alum solution"),
    "鲜": Term("fresh {}", ("Recens",), "地黄 monograph: used fresh, called 鲜地黄"),
}

#: Herbs whose derived name would equal another herb's name, qualified by the species of the monograph (来源).
QUALIFIED = {
    # 金银花 (Lonicerae Japonicae Flos) is also "lonicera flower"; 山银花's four species (ChP 2010 来源)
    # 冰片 (Borneolum Syntheticum) is "borneol"; 天然冰片 is extracted from Cinnamomum camphora (ChP 2010 来源)
    "天然冰片": "borneol (Cinnamomum camphora)",
    "山银花": "Lonicera flower (L. macranthoides, L. hypoglauca, L. confusa or L. fulvotomentosa)",
}


class UnknownLatin(ValueError):
    """A Latin word no table translates: the herb stays unnamed (reported, never guessed)."""


def latin_english(latin: str) -> str:
    """The English rendering of a pharmacopoeia Latin name (rule 2): 'Dictamni Cortex' → 'Dictamnus bark'."""
    words = latin.split()
    if not words:
        raise UnknownLatin("no Latin name")
    if words[0] in PARTS and len(words) > 1 and words[1] not in PARTS:  # 'Herba Ajugae': part first
        words = [words[1], words[0], *words[2:]]
    taxa: list[str] = []
    parts: list[str] = []
    adjectives: list[str] = []
    withs: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in SUBSTANCES and not taxa:
            taxa.append(SUBSTANCES[w])
        elif w in GENERA and not parts and (not taxa or taxa[-1] in ANIMALS):
            taxa.append(w)
        elif taxa and (taxa[-1], w) in EPITHETS and not parts:
            genus = taxa.pop()
            taxa.append(f"{GENERA[genus]} {EPITHETS[(genus, w)]}")
        elif w in PARTS and taxa:
            parts.append(PARTS[w])
        elif w == "et" and parts and i + 1 < len(words) and words[i + 1] in PARTS:
            pass
        elif w in QUALIFIERS and taxa:
            adjectives.append(QUALIFIERS[w])
        elif w == "cum" and taxa:
            rest = [x for x in words[i + 1:] if x != "et"]
            if not rest or any(x not in WITH for x in rest):
                raise UnknownLatin(f"{latin!r}: 'cum {' '.join(words[i + 1:])}' not in the table")
            withs = [WITH[x] for x in rest]
            break
        else:
            raise UnknownLatin(f"{latin!r}: no rule for the word {w!r}")
        i += 1
    if not taxa:
        raise UnknownLatin(f"{latin!r}: no genus")
    animals = [t for t in taxa if t in ANIMALS]
    names = [GENERA.get(t, t) for t in taxa]
    head = " or ".join(names)
    if not parts and animals and len(animals) == len(taxa):
        parts = [ANIMALS[animals[0]]]
    out = " ".join([*adjectives, head, " and ".join(parts)]).strip()
    return f"{out} with {' and '.join(withs)}" if withs else out


def processing_term(name: str, parent: str) -> str | None:
    """The processing term of a processed form: the characters of its name not in its parent's (炮姜/干姜 → 炮)."""
    rest = "".join(c for c in name if c not in parent)
    return rest if rest in PROCESSING else None


def _base_latin(latin: str) -> str:
    """The Latin name without its processing words: 'Crotonis Semen Pulveratum' → 'Crotonis Semen'."""
    words = latin.split()
    if "cum" in words:
        words = words[: words.index("cum")]
    return " ".join(w for w in words if w not in QUALIFIERS)


def processed_english(herb: Herb, parent: Herb, parent_en: str | None) -> str | None:
    """Rule 1: the parent's English name with the processing method, when the Latin confirms the method."""
    term = processing_term(herb.name_zh, parent.name_zh)
    if term is None:
        return None
    t = PROCESSING[term]
    if herb.latin and not set(t.latin) & set(herb.latin.split()):
        return None  # the Latin does not say what the Chinese term says: not confirmed
    same_part = not herb.latin or not parent.latin or _base_latin(herb.latin) == parent.latin
    if same_part and parent_en:
        return t.english.format(parent_en)
    if herb.latin:
        return t.english.format(latin_english(_base_latin(herb.latin)))
    return None


def derive_name(herb: Herb, herbs: dict[str, Herb], names: dict[str, str]) -> str:
    """The English name of one herb by rule 1 or 2; ``names`` holds names derived so far (for parents)."""
    if herb.name_zh in QUALIFIED:
        return QUALIFIED[herb.name_zh]
    parent = herbs.get(herb.form_of or "")
    if parent is not None:
        parent_en = parent.name_en or names.get(parent.name_zh)
        if parent_en is None and parent.latin:
            parent_en = latin_english(parent.latin)
        if got := processed_english(herb, parent, parent_en):
            return got
    if not herb.latin:
        raise UnknownLatin("no Latin name and no processing rule")
    return latin_english(herb.latin)


def add_derived_names(herbs: dict[str, Herb], notes: list[str]) -> list[str]:
    """Give every pharmacopoeia herb without an English name a derived one (name_en, an alias, and the source
    ``derived-latin``). Returns the herbs named; a herb that cannot be named is reported in ``notes``."""
    taken: dict[str, str] = {}
    for h in herbs.values():
        for n in (h.name_zh, h.latin, h.name_en, *h.aliases):
            if n:
                taken.setdefault(normalize_name(n), h.name_zh)
    todo = [n for n, h in herbs.items() if not h.name_en and "chp-2010" in h.sources]
    todo.sort(key=lambda n: herbs[n].form_of is not None)  # crude drugs first: processed forms use them
    derived: dict[str, str] = {}
    for name in todo:
        h = herbs[name]
        try:
            en = derive_name(h, herbs, derived)
        except UnknownLatin as exc:
            notes.append(f"english_names: {name} not named: {exc}")
            continue
        key = normalize_name(en)
        if (other := taken.get(key)) and other != name:
            notes.append(f"english_names: {name} not named: {en!r} is a name of {other}")
            continue
        taken[key] = name
        derived[name] = en
        aliases = h.aliases if en in h.aliases else [*h.aliases, en]
        sources = h.sources if SOURCE in h.sources else [*h.sources, SOURCE]
        herbs[name] = h.model_copy(update={"name_en": en, "aliases": aliases, "sources": sources})
    notes.append(f"english_names: {len(derived)} English names derived from the Latin names and processing terms")
    return sorted(derived)
