"""A rule-based baseline extractor: the floor any real system must beat. No model, no download.

What it does, in order, on one corpus document (each rule is a method with its own docstring):

1. **Officials.** Country names, demonyms and possessives come from :mod:`communique.annotate.countries` (the
   maintained ``countryinfo`` data; adjectives it lacks, *Kyrgyz* or *Argentine*, are derived from the country
   name), never from a hand list. An official is a name next to an office: ``[Country's|Demonym] Title[,]
   [Rank] Name`` (*Ghana's Minister of Defence, Yaw Boakye-Ansah*), ``Name, [a|the] [Country's] title,``
   (*Kwame Asante, Ghana's defence minister,*), or a name after *led by* / before *, who chairs*. A title ends on
   an office noun (:data:`OFFICE_HEADS`) with its *of/for/to* complements made of office words
   (:data:`OFFICE_WORDS`) and country words, and no office, ministry or country word is ever part of a name.
   Then every later name made of an official's name words (*Lacerda Moura*) is a name mention, every later
   occurrence of a title a nominal one, and *the Portuguese minister* a nominal mention of the only Portuguese
   official. Pronouns are left alone.
2. **Direct attributions** between quotation marks (guidelines 6); a quote whose closing mark is missing runs
   to the end of its paragraph; a quoted fragment inside a sentence is part of a mixed content, and a quotation
   split by its cue (*"A," X said. "B."*) is one attribution with two contents.
3. **Indirect attributions**: *cue that ...*, *said the two armies would ...*, *According to X, ...*,
   *..., according to X*, *..., the statement said.*, and speech acts reported by their verb (*pledged to*,
   *agreed to*, *urged X to*, *praised*, *declined to* ...). All are found first and their subjects resolved
   afterwards in text order, so a pronoun continues the previous speaker whichever rule found it. The subject
   (guidelines 6.2) is an official by a mention, a pronoun, a definite office (*the minister*) or each member of
   a plural (*the two ministers*, *they*); or a non-official source as written, typed by its head noun (*the
   ministry* institution, *the statement* statement, *officials* group, *a spokesperson* other, *Eritrea*
   institution). An unnamed spokesperson is never an official (guidelines 2.5).
4. **Meetings** from meeting verbs and nouns, calls and video calls included (*met*, *hosted*, *spoke by
   telephone with*, *held a video call*, *paid a courtesy call on*, *talks between X and Y*, *was received by*):
   the subject (or coordinated subjects) and the officials after the verb; the mode is telephone or video when
   the sentence says so, in person for meeting, hosting and visiting verbs, else unspecified.
5. **Commitments and stances** (format 2.1) from cue words (:data:`COMMISSIVES`) inside attribution contents
   and anywhere: *agreed* agree, *pledged* promise, *offered* / *ready to* offer, *plans to* intend; *urged*
   request, *proposed* propose, *praised* praise, *rejected* reject, *expected* predict ... A modal (*will*,
   *would*, *can*) binds when its subject is the speaker's own side (*we*, a state, a government body) and is a
   prediction otherwise (*the deal would take effect*). The actor is the act's speaker, or the clause's official;
   no official, no commitment or stance.

Headings carry no attributions, commitments or stances (guidelines 3.1). The output is prediction format 2.1.
Look-backs and clause lengths are bounded, so a run-on text costs time linear in its length.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Literal, TypeVar

from pydantic import BaseModel

from communique.annotate.countries import country_code, country_names, demonyms
from communique.annotate.names import name_score, name_words
from communique.schema.models import (
    CommitmentKind,
    CorpusDocument,
    MeetingMode,
    MentionForm,
    SourceType,
    SpeechAct,
    StanceKind,
    labels,
)
from communique.schema.predictions import (
    PREDICTION_VERSION,
    PredictedActor,
    PredictedAttribution,
    PredictedCommitment,
    PredictedDocument,
    PredictedMeeting,
    PredictedMention,
    PredictedOfficial,
    PredictedParticipant,
    PredictedSpan,
    PredictedStance,
    PredictedTime,
)

__all__ = ["METHOD", "extract_rules", "meeting_mode", "speech_act"]

METHOD = "communique rules baseline"

RANKS = (
    "Air Chief Marshal",
    "Air Marshal",
    "Field Marshal",
    "Lieutenant General",
    "Major General",
    "Brigadier General",
    "Brigadier",
    "General",
    "Marshal",
    "Vice Admiral",
    "Rear Admiral",
    "Admiral",
    "Lieutenant Colonel",
    "Colonel",
    "Commodore",
    "Captain",
    "Commander",
    "Lieutenant",
    "Major",
    "Chief Superintendent",
    "Superintendent",
    "Chief Inspector",
    "Inspector",
    # abbreviated grades of wire copy
    "Rear Adm.",
    "Vice Adm.",
    "Adm.",
    "Lt. Gen.",
    "Maj. Gen.",
    "Brig. Gen.",
    "Gen.",
    "Col.",
    "Capt.",
    "Cmdr.",
)
#: head nouns of an office (guidelines 2.1): the word a title phrase ends on, matched in either case
OFFICE_HEADS = (
    "Prime Minister",
    "Minister",
    "Secretary-General",
    "Secretary General",
    "Secretary",
    "Undersecretary",
    "Under-Secretary",
    "Vice President",
    "President",
    "Speaker",
    "Commander",
    "Commandant",
    "Chief",
    "Director General",
    "Director-General",
    "Director",
    "Ambassador",
    "Envoy",
    "Spokesperson",
    "Spokeswoman",
    "Spokesman",
    "Adviser",
    "Advisor",
    "Chairman",
    "Chairwoman",
    "Chairperson",
    "Chair",
    "Head",
    "Governor",
    "Mayor",
    "Delegate",
    "Lawmaker",
    "Deputy",
    "Officer",
    "Counterpart",
    "Leader",
    "Commissioner",
    "Consul",
    "Senator",
    "Member",
    "Premier",
    "Chancellor",
)
#: words of offices and institutions (capitalised in titles): never a person's name (issue 21: "Defence")
OFFICE_WORDS = frozenset(
    """
    Defence Defense Foreign Affairs National State International Relations Cooperation Co-operation Trade Tourism
    Agriculture Rural Development Livestock Fisheries Energy Home Internal Interior Policy Regional Naval Zone First
    Army Navy Air Force Forces Coast Guard Parliament Assembly Department Ministry Presidency Industries Opposition
    Health Finance Economy Justice Education Security Staff Joint External Commerce Industry Environment Transport
    Communications Culture Information Commission Council Police Service Services Agency Office Economic Maritime
    Cabinet Deputy Vice Acting Senior Federal Republic Islamic Government Embassy Public Social Labour Labor Science
    Technology Water Resources Mines Mining Infrastructure Works Digital Youth Sports Family Legal Treasury
    Immigration Border Customs Planning Investment Operations Special Prime Presidential Parliamentary Permanent
    United Nations Union European Central Military Intelligence Headquarters Command Division Directorate Bureau
    Institute Traffic Highway Consular Protocol Political Strategic Ocean Oceans Sea Charge Relations Armed Marine
    Marines Delegation Forum Summit Secretariat Minister Ministers
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
#: capitalised words that start sentences or phrases and are no names
STOP_WORDS = frozenset(
    """
    The A An In On At For And Of But After Later His Her Their Its This That These Those It He She We They I Our Mr
    Mrs Ms Dr Both Another According Speaking While When Asked If As With Without Members Officials Delegations
    Earlier Last Next Then There Here Some Many Most All Each Every No Not One Two Three Since Under During Before
    Until Despite Although Though However Meanwhile Also Thanks Talks Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October November December Sept Nov
    Dec Jan Feb Aug Oct Asian African European Arab Latin Western Eastern Northern Southern Baltic Nordic Gulf
    Pacific Atlantic Caribbean Balkan
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
#: lower-case words that modify an office noun before it ("deputy head", "ministry spokeswoman")
_MODIFIERS = (
    "deputy|vice|foreign|defence|defense|interior|prime|state|ministry|presidential|regional|senior|acting|"
    "first|chief|health|trade|finance|navy|army|opposition|parliamentary|cabinet|commanding|special|national|"
    "top|junior|home|agriculture|justice|education|energy|police|military|naval|permanent|executive|press"
)
_HEAD = "(?:" + "|".join(sorted((re.escape(h) for h in OFFICE_HEADS), key=len, reverse=True)) + ")"
_HEAD_ANY_CASE = rf"(?i:{_HEAD})(?![\w-])"
# Python's re has no \p{Lu}: spell out the upper- and lower-case letters of the Latin scripts
_LATIN = [chr(c) for c in (*range(0x41, 0x250), *range(0x1E00, 0x1F00))]
_UPPER = "[" + "".join(c for c in _LATIN if c.isupper()) + "]"
_LOWER = "[" + "".join(c for c in _LATIN if c.islower()) + "]"
#: particles inside a person's name ("Faisal bin Rashid Al-Suwaidi", "Luiz da Silva")
_PARTICLE = r"(?:bin|bint|ibn|al|el|de|da|do|dos|das|del|della|di|du|van|von|der|den|la|le)"
_RANK = "|".join(sorted(map(re.escape, RANKS), key=len, reverse=True))


@dataclass(frozen=True)
class _Lexicon:
    """The patterns that need the country words, built once on first use (loading the country data costs time)."""

    country: re.Pattern[str]  # a country name or demonym, alone: for the country of a title
    name: re.Pattern[str]  # a person's name of 1-5 words, no office, stop or country word in it
    named: re.Pattern[str]  # [country] title [,] [rank] Name  |  [country] rank Name  |  Country's Name Name
    apposition: re.Pattern[str]  # Name Name, [a|the] [country] title,
    role_noun: re.Pattern[str]  # "the Egyptian minister", "Ghana's defence minister": a country and an office noun
    country_words: frozenset[str]


def _country_words() -> frozenset[str]:
    """Country names and demonyms of :mod:`communique.annotate.countries`, with the adjective forms that the
    library lacks derived from the name (*Kyrgyz* from *Kyrgyzstan*, *Argentine* from *Argentina*,
    *Philippine* from *Philippines*); no hand list."""
    names = {**country_names(), **demonyms()}
    derived = set()
    for name in country_names():
        if name.endswith("stan") and len(name) >= 9:
            derived.add(name[:-4])
        elif name.endswith("a") and " " not in name:
            derived.add(name[:-1] + "e")
        elif name.endswith("s") and " " not in name:
            derived.add(name[:-1])
    return frozenset(w for w in (*names, *derived) if w[:1].isupper() and _latin(w) and w not in OFFICE_WORDS)


def _latin(word: str) -> bool:
    """Written in the Latin script (the patterns match Latin text; other spellings of a name cannot occur)."""
    return all(ord(c) < 0x250 or 0x1E00 <= ord(c) < 0x1F00 for c in word)


def country_of(word: str) -> str | None:
    """The alpha-3 code of a country name, demonym or possessive (*Ghana's*, *Estonian*, *Kyrgyz*), or None."""
    word = re.sub(r"[’']s?$", "", word.strip())
    code = country_code(word)
    if code is None and word.endswith("e"):
        code = country_code(word[:-1] + "a")
    if code is None:
        code = country_code(word + "stan") or country_code(word + "s")
    return code


#: a node of :func:`_trie_pattern`'s trie: the next character -> its node ("" marks the end of a word)
_Trie = dict[str, "_Trie"]


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternative for many literal words, factored by common prefixes (a trie): Python's re tries the
    branches of a flat alternation one by one, which made every name word cost a scan of a thousand countries."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: _Trie) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + "?" if ends else body

    return "(?:" + pattern(trie) + ")"


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    words = _country_words()
    country = _trie_pattern(words) + r"(?![\w-])"
    possessive = rf"(?:the )?{country}[’']s?"
    not_name = _trie_pattern(OFFICE_WORDS | STOP_WORDS | set(OFFICE_HEADS))
    word = rf"(?!(?:{not_name})(?![\w-]))(?!{country}){_UPPER}{_LOWER}+(?:{_UPPER}{_LOWER}+)?(?:-{_UPPER}?{_LOWER}+)*"
    name = rf"{word}(?: (?:{_PARTICLE} )?{word}){{0,4}}(?![\w-])"
    org = rf"(?:{_trie_pattern(OFFICE_WORDS)}(?![\w-])|{country})"
    complement = (
        rf"(?: (?:of|for|to|at|on|in charge of|and)(?: the)?(?: {possessive})? {org}(?: {org})*(?:, {org}(?: {org})*)*)"
    )
    title = rf"(?:(?:(?:{org}|{_MODIFIERS}) ){{0,3}}{_HEAD_ANY_CASE}{complement}*)"
    named = (
        rf"(?:(?P<cpos>{possessive}) |(?P<dem>{country}) )?"
        rf"(?:(?P<title>{title})(?P<comma>,)? )?(?:(?P<rank>{_RANK}) )?(?P<name>{name})"
    )
    loose_complement = (
        rf"(?: (?:of|for|to|at|in charge of)(?: the| its| his| her)?(?: {possessive})?(?: [\w’'-]+){{1,4}}?)"
    )
    appositive_title = rf"(?:(?:(?:{org}|{_MODIFIERS}) ){{0,3}}{_HEAD_ANY_CASE}{loose_complement}*)"
    apposition = (
        rf"(?P<name>{name}), (?:(?:a|an|the) )?(?P<role>(?:(?P<cpos>{possessive}) |(?P<dem>{country}) )?"
        rf"(?P<title>{appositive_title}))(?=,|\.|;| who\b| from\b| at\b| in\b| and\b)"
    )
    role_noun = rf"\b(?P<role>(?:(?P<cpos>{possessive})|(?P<dem>{country})) (?:(?:{_MODIFIERS}) )?{_HEAD_ANY_CASE})"
    return _Lexicon(
        country=re.compile(country),
        name=re.compile(name),
        named=re.compile(named),
        apposition=re.compile(apposition),
        role_noun=re.compile(role_noun),
        country_words=words,
    )


#: "led by Helena Matos", "headed by X": the person who leads is an official
LED_BY = re.compile(r"\b(?:led|headed|chaired|co-chaired) by (?:the )?$")
#: "Giorgi Meparishvili, who chairs the committee": a relative clause of office
WHO_HOLDS = re.compile(r", who (?:chairs|heads|leads|represents|commands|serves as|is the|was the)\b")
SERVES_AS = re.compile(
    rf",? who (?:serves|served|is|was) as (?:the )?"
    rf"(?P<title>(?:[A-Z][a-z]+ ){{0,2}}{_HEAD}(?: of(?: the)?(?: [A-Z][a-z]+)+)*)"
)

_CUES = (
    "said",
    "says",
    "say",
    "stated",
    "states",
    "noted",
    "notes",
    "added",
    "adds",
    "told",
    "clarified",
    "explained",
    "emphasized",
    "emphasised",
    "stressed",
    "underlined",
    "remarked",
    "declared",
    "announced",
    "pointed out",
    "made it clear",
    "asserted",
    "insisted",
    "warned",
    "urged",
    "continued by saying",
    "quoted as saying",
    "saying",
    "stating",
    "adding",
    "noting",
    "underlining",
    "stressing",
    "emphasizing",
    "clarifying",
    "confirmed",
    "replied",
    "wrote",
    "argued",
    "asked",
    "predicted",
    "recalled",
    "acknowledged",
    "reiterated",
    "reported",
)
#: the rest of a clause, through a quoted fragment ("said it was “too early” to ..."): a mixed content
_RUN = r"(?:[^.;“”\"\n]|“[^”\n]{1,200}”){1,800}"  # bounded: a run-on text costs linear time
_CUE_WORDS = "|".join(sorted(map(re.escape, _CUES), key=len, reverse=True))
CUE = re.compile(rf"\b(?:{_CUE_WORDS})\b", re.IGNORECASE)
PARTICIPLE = re.compile(r"ing$", re.IGNORECASE)
THAT_CLAUSE = re.compile(
    rf"\b(?P<cue>{_CUE_WORDS}|assured|informed|reminded|agreed|believes|believed|expressed (?:the )?hope|telling|"
    rf"reaffirmed|affirmed|denied|predicted|warned|argued|recorded?)"
    rf"(?: (?!that\b)(?P<addressee>{_UPPER}[\w’'-]+(?: (?!that\b)[\w’'-]+){{0,2}}|him|her|them|his [\w’'-]+|"
    rf"(?:lawmakers|reporters|journalists|the \w+|his \w+|her \w+|parliament)(?: (?!that\b)[\w’'-]+){{0,12}}?))?"
    rf" that (?P<content>{_RUN})",
    re.IGNORECASE,
)
#: "Mehta said the two armies would ...", "she said on Monday she expected ...": a reported clause without "that"
#: (a subject, then a finite verb within a few words)
BARE_CLAUSE = re.compile(
    r"\b(?P<cue>said|says|say|added|noted|stressed|insisted|warned|saying|adding|told (?:reporters|journalists|\w+))"
    r"(?: (?:on|in|at|late on|earlier on) [A-Z]?\w+(?: \w+)?)?,? "
    r"(?P<content>(?!(?:that|to|in|on|at|of|and|the call|afterwards|later|also|again|then|earlier|after|before|"
    r"during|when|it was)\b)[\w’'-]+(?: [\w’'-]+){0,6}? [“\"]?"
    r"(?:would|will|was|were|is|are|had|has|have|could|should|must|can|did|does|wanted|expected|planned|"
    rf"remained|needed|intended|hoped|saw|sees|thinks|believes|\w+ed)\b{_RUN})"
)
CLAUSE_BREAK = re.compile(
    r", (?=(?:adding|noting|stating|saying|while|underlining|calling|according to|describing|as|but|which|"
    r"[^,.;“”\"]{1,60} (?:said|added|noted|say)[.;]))"
)
OPENING, CLOSING = '“"', '”"'
_OBJECT = r"(?:him|her|them|us|(?:his|her|their|its) [\w’'-]+(?: [\w’'-]+)?|(?:the )?[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)*)"
#: speech acts reported by their verb (guidelines 6.1): "pledged to X", "invited Y to X", "thanked Y", "agreed to X"
NARRATIVE = re.compile(
    r"\b(?P<cue>pledged|promised|vowed|offered|offering|committed|undertook|agreed|agreeing|declined|refused|"
    rf"intends|intended|planned|decided)(?: (?:on )?\w+day| in principle)? (?:to|on) (?P<content>{_RUN})"
    rf"|\b(?P<cue3>invited|inviting|urged|urging|called on|asked|asking|instructed|encouraged|pressed|"
    rf"requested)(?: {_OBJECT})? to (?P<content3>{_RUN})"
    r"|\b(?P<cue2>called for|(?:called|calling)(?= (?:the|it|him|her|them|his|their|its)\b)|described|describing|"
    r"commended|dismissed|offered|thanked|thanking|praised|welcomed|proposed|suggested|demanded|rejected|denied|"
    r"accepted|criticised|criticized|condemned|accused|backed|endorsed|reaffirmed|affirmed|predicted|forecast|"
    r"ruled out|turned down|expressed (?:the |its |his |her |their )?(?:hope|concern|desire|regret|confidence|"
    rf"support|gratitude|appreciation))(?: that| for)? (?P<content2>{_RUN})"
)
#: "thanked his counterpart and offered to ...": a coordinated verb ends the content
NEXT_VERB = re.compile(r",? and (?=(?:\w+ed|said|told|met|sent|spoke)\b)|, (?=\w+ing\b)")
PRONOUN_SUBJECT = re.compile(r"\b(?:he|she|He|She)$")
#: "According to the statement, X" and "X, according to a statement released in Lisbon"
ACCORDING_BEFORE = re.compile(rf"\b(?P<cue>According to) (?P<source>[^,.;“”\"]{{2,90}}), (?P<content>{_RUN})")
ACCORDING_AFTER = re.compile(r", (?P<cue>according to) (?P<source>[^,.;“”\"]{2,90})(?=[,.;]|$)")
#: "..., she said." / "..., the ministry said in a statement.": a cue after an unquoted content
POSTPOSED = re.compile(
    r", (?P<subject>[^,“”\"]{1,80}?) (?:also |later )?(?P<cue>said|says|added|noted|stated|confirmed|reported|"
    r"told reporters)(?: (?:on|in|at|late on) [^,.;“”\"]{1,30})?(?=[.;]?\s*$)"
)
#: subjects that are no official (guidelines 2.4, 2.5, 4): their head noun decides the source type
SOURCE_HEADS: dict[SourceType, str] = {
    "institution": r"ministry|ministries|government|embassy|navy|army|agency|department|office|parliament|council|"
    r"commission|secretariat|forces|guard|presidency|administration|military|cabinet|committee|mission|coast guard|"
    r"service|press service|chamber|association|federation|union|bank|council",
    "statement": r"statement|communiqué|communique|declaration|readout|release|joint statement",
    "document": r"report|reports|document|letter|memorandum|newspaper|article|draft|text|agreement",
    "group": r"officials|diplomats|delegation|delegations|sources|analysts|experts|observers|lawmakers|members|"
    r"negotiators|producers|residents|commanders|crews|deputies|opposition|exporters|importers|farmers|groups|"
    r"authorities|governments|services",
    "other": r"official|spokesperson|spokeswoman|spokesman|source|analyst|diplomat|expert|observer|negotiator|aide|"
    r"journalist|resident|researcher|lawyer|professor",
}
SOURCE_NP = re.compile(
    r"(?:^|(?<=\s))(?P<np>(?:(?:the|a|an|its|their|his|her|both|two|several|senior|other|one|another) )*"
    r"(?:[\w’'-]+ ){0,4}?(?P<head>" + "|".join(f"(?i:{h})" for h in SOURCE_HEADS.values()) + r")"
    r"(?: (?:in|of|for|from|at|on|with|close to) [^,;.“”\"]{1,60}?)?)$"
)
#: "the two ministers", "they", "both presidents": a plural of officials already named (guidelines 3.5)
PLURAL = re.compile(
    r"(?:^|(?<=\s))(?P<np>(?:[Tt]he |[Bb]oth |[Aa]ll )?(?:(?:two|three|four|five|six) )?(?:[\w’'-]+ ){0,2}?"
    r"(?P<head>ministers|leaders|presidents|speakers|commanders|chiefs|secretaries|envoys|ambassadors|"
    r"counterparts|officers|deputy ministers|vice ministers|coast guards|sides)"
    r"(?: of (?:the )?[A-Z][\w’'-]*(?:,? (?:and )?(?:the )?[A-Z][\w’'-]*)*)?|[Tt]hey|[Bb]oth|"
    r"[Tt]he (?:two|three|four|five))$"
)
#: words between a subject and its verb: "Robleh, for his part, said", "She also said", "Lins later told"
_APPOSITIVE = re.compile(r"(?:,[^,]{1,150},\s*)+$")
#: what may stand before a sentence's subject: a dateline, capitalised title words, a country possessive
_SUBJECT_LEAD = re.compile(r"(?:(?:[A-Z][\w’'.-]*|the|of|for|and|to|[,—–-])\s*)*")
#: a relative or participial clause between a subject and its verb, never the subject itself
_RELATIVE = re.compile(
    r",\s*(?:(?:led|headed|chaired|accompanied) by|who|which|speaking|asking|citing)\b[^,]{1,150}(?:,[^,]{1,80})?,?\s*$"
)
#: what may follow the official's mention inside a subject: the rest of a title ("India's Minister [of State
#: for External Affairs]") or nothing
_TITLE_TAIL = re.compile(r"(?:,?\s*|(?: (?:of|for|to|at|in charge of|and)(?: the)?(?: [A-Z][\w’'-]*)+)+,?\s*)")
_ADVERBS = re.compile(
    r"(?:\s+(?:also|later|then|again|further|once again|as|had|has|have|would|was|were|is|are|been|on \w+day|"
    r"\w+ly))+\s*$"
)
#: "the minister", "the spokeswoman": a definite office noun refers back to one official (guidelines 2.4)
DEFINITE_OFFICE = re.compile(
    rf"(?:^|\s)(?P<np>[Tt]he (?:[\w’'-]+ ){{0,3}}?(?P<head>{_HEAD_ANY_CASE})(?: (?:of|for) [^,;.“”\"]{{1,60}})?)$"
)
#: where a clause starts inside a sentence, for the subject of a later cue
CLAUSE_OPEN = re.compile(
    r"[;:“”\"]\s*|, (?:and |but |while )?(?=(?:he|she|they|[A-Z]))|\b(?:and|but) (?=(?:he|she|they)\b)"
)

MEETING = re.compile(
    r"\b(?:met with|met|meets|meeting with|held talks with|holds talks with|talked with|talked to|talks with|"
    r"spoke(?: by (?:tele)?phone| by video(?: ?link)?| over the phone| on the phone)?(?: on \w+day)? (?:with|to)|"
    r"conferred with|hosted|hosts|received|receives|welcomed|welcomes|(?:after|before|while|when) meeting|"
    r"paid an? (?:\w+ )?(?:call|visit) on|called on(?! \w+(?: \w+)? to\b)|"
    r"(?:had|held) an? (?:[\w-]+ ){0,3}(?:conversation|meeting|talks|call|videoconference) with|"
    r"(?:was|were) received (?:[^,.;]{0,40} )?by|"
    r"(?i:talks|meeting|call|conversation|consultations)\b[^.;,]{0,50}? between|"
    r"(?:held|had) an? (?:[\w-]+ ){0,3}(?:video call|call|phone call|telephone call|conversation|meeting)(?! with))\b"
)
#: verbs whose subject receives the visitor
HOSTING = re.compile(r"^(?:hosted|hosts|received|receives|welcomed|welcomes)$")
IN_PLACE = re.compile(r"\bin (?P<place>[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)*)")
VISITED = re.compile(r"\b(?:visited|visiting) (?:the )?(?P<place>[A-Za-z][\w’' ]*?)(?= on\b|,|\.|;| and\b|$)")
MEETING_CLAUSE_END = re.compile(r", while\b|, during\b|;|\.(?=\s|$)|”")
WEEKDAY = re.compile(r"\bon (?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")

#: cue -> commitment or stance kind of guidelines 2.1 (the first matching entry wins)
COMMISSIVES: tuple[tuple[str, CommitmentKind | StanceKind], ...] = (
    (r"will not|won't|shall not|will|shall", "promise"),
    (r"would not|cannot", "reject"),
    (r"would", "intend"),
    (r"have to|has to|must", "propose"),
    (r"should", "propose"),
    (r"can|could", "offer"),
    (r"invited|invites|inviting", "invite"),
    (r"offered|offers|offering", "offer"),
    (r"pledged|promised|vowed|committed|undertook|assured", "promise"),
    (r"agreed|agreeing|signed|accepted", "agree"),
    (r"intends|intend|intended|plans|planned|wants|wanted", "intend"),
    (r"called for|calls for|proposed|suggested", "propose"),
    (r"urged|called on|demanded|requested", "request"),
    (r"support|supports|backed|endorsed|emphasizes|emphasize", "support"),
    (r"expected|predicted", "predict"),
    (r"prepared|ready|willing", "offer"),
    (r"rejected|refused|declined|ruled out|turned down", "reject"),
    (r"praised|commended", "praise"),
    (r"criticised|criticized|condemned", "criticise"),
    (r"desire", "propose"),
)
#: the kinds of COMMISSIVES that bind: they make commitments, the others stances
BINDING_KINDS = frozenset(labels(CommitmentKind))
#: who a modal's subject is: the speaker's own side (a pronoun, a state, a government body) makes the modal a
#: pledge or a plan (guidelines 7.4); anything else (*the deal would*, *it will*) makes it a prediction
OWN_SIDE = re.compile(
    r"(?:\b(?i:we|I|he|she|they|you|our [\w-]+|my [\w-]+|his [\w-]+|her [\w-]+)|(?i:government|ministry|army|armies|"
    r"navy|navies|forces|side|sides|delegation|country|countries|coast guard|parliament|embassy))"
    r"(?: (?:also|not|then|now|soon|still|jointly|together))*$"
)
#: reporting verb -> Searle class of the reported act (guidelines 6); any other cue reports an assertion
SPEECH_ACTS: tuple[tuple[str, SpeechAct], ...] = (
    (
        r"urg(?:ed?|es|ing)|call(?:ed|s|ing)? (?:for|on)|invit(?:ed|es?|ing)|ask(?:ed|s|ing)?|demand(?:ed|s|ing)?"
        r"|propos(?:ed|es?|ing)|suggest(?:ed|s|ing)?",
        "directive",
    ),
    (r"pledg(?:ed|es?|ing)|promis(?:ed|es?|ing)|offer(?:ed|s|ing)?|vow(?:ed|s|ing)?", "commissive"),
    (r"thank(?:ed|s|ing)?|prais(?:ed|es?|ing)|welcom(?:ed|es?|ing)|congratulat(?:ed|es?|ing)", "expressive"),
)
#: the medium of a meeting, from words of its sentence (guidelines 5: mode)
TELEPHONE = re.compile(r"\b(?:tele)?phone\b|\bphone call\b", re.IGNORECASE)
VIDEO = re.compile(r"\bvideo(?:conference|link|[- ](?:conference|link|call))?\b|\bvirtual(?:ly)?\b", re.IGNORECASE)
#: meeting verbs that say the officials were in the same place
IN_PERSON = re.compile(
    r"^(?:met|meets|meeting|hosted|hosts|received|receives|welcomed|welcomes|visited|visiting|paid|called on|"
    r"(?:after|before|while|when) meeting|was received|were received|held talks|holds talks|talks|"
    r"(?:had|held) an? (?:[\w-]+ ){0,3}meeting)\b",
    re.IGNORECASE,
)
MODAL = re.compile(r"\b(?:will not|won't|shall not|will|shall|have to|has to|must|should|can|could)\b")
#: "would" in reported speech is a weaker cue: it yields to a commissive verb of the same clause
WOULD = re.compile(r"\bwould\b(?! like)")  # "I would like to" is a courtesy
COMMISSIVE_VERB = re.compile(
    r"\b(?:invited|invites|offered|pledged|promised|vowed|called for|calls for|"
    r"support|supports|emphasizes|expected|prepared|ready|willing|desire|agreed|agreeing|committed|undertook|"
    r"signed|accepted|intends|intended|planned|plans|wanted|proposed|suggested|urged|called on|demanded|rejected|"
    r"refused|declined|ruled out|turned down|praised|commended|criticised|criticized|condemned|backed|endorsed|"
    r"predicted)\b(?: (?:to|that|on))?"
)
# like CLAUSE_END, a comma starts a clause only before a conjunction or a subject pronoun
CLAUSE_START = re.compile(
    r"(?:^|[.;:“\"]\s*|, (?:(?:and|so|but|while|whereas) |(?=(?:we|I|he|she|they|it)\b))|\bthat "
    r"|\band (?=\w+ (?:will|can|should)\b))"
)
# a comma ends the clause only before a conjunction or a participle: "will, in the coming years, do" is one clause
CLAUSE_END = re.compile(
    r"[.;”\"]|,(?= (?:and|but|so|while|whereas|adding|noting|saying|stating|according|describing|which|who)\b)"
    r"|,(?= (?:we|I|he|she|they|it)\b)|,\s*(?=[”\"])|\band I\b|$"
)
TIME = re.compile(r"\bin the (?P<time>(?:near|coming|next)\b[^,.;]*?\b(?:future|years?|months?|weeks?|days?))\b")


@dataclass
class _Official:
    id: str
    name: str | None
    title: str | None = None
    rank: str | None = None
    country: str | None = None
    mentions: list[tuple[int, int, MentionForm]] = field(default_factory=list)  # start, end, form


@dataclass(frozen=True)
class _Subject:
    """Who a cue's subject names: officials (one, or each member of a plural), or a non-official source."""

    officials: tuple[str, ...]
    span: tuple[int, int] | None
    type: SourceType | None  # the source type of a non-official source


@dataclass(frozen=True, order=True)
class _Mention:
    start: int
    end: int
    official: str


class _Extractor:
    def __init__(self, doc: CorpusDocument):
        self.doc = doc
        self.text = doc.text
        self.officials: list[_Official] = []
        self.taken: list[tuple[int, int]] = []
        self.headings = [(h.start, h.end) for h in doc.headings]
        self.paragraphs = [(p.start, p.end) for p in doc.paragraphs]
        self.sentences = [(s.start, s.end) for s in doc.sentences]
        self.attributions: list[PredictedAttribution] = []
        self.quote_spans: list[tuple[int, int, str | None]] = []  # contents with their speaker id
        self.quote_ids: list[str] = []  # the id of the attribution of each entry of quote_spans
        self.direct: list[tuple[int, int]] = []  # the contents of direct quotations
        self.pending: list[
            tuple[
                int,
                tuple[int, int],
                tuple[int, int] | None,
                Callable[[], _Subject | None],
                Literal["direct", "indirect"],
            ]
        ] = []  # attributions found, their subjects not yet resolved
        self.last_plural: tuple[int, list[str]] | None = None  # where the last plural subject was, its members
        self.last_source: tuple[int, tuple[int, int], SourceType] | None = None  # the last institution or statement
        self._mentions: list[_Mention] | None = None  # mentions() in text order, until a mention is added

    # -- helpers

    def _within(self, spans: list[tuple[int, int]], offset: int) -> tuple[int, int]:
        i = bisect.bisect_right([s for s, _ in spans], offset) - 1
        return spans[max(i, 0)] if spans else (0, len(self.text))

    def sentence(self, offset: int) -> tuple[int, int]:
        return self._within(self.sentences, offset)

    def paragraph(self, offset: int) -> tuple[int, int]:
        return self._within(self.paragraphs, offset)

    def in_heading(self, offset: int) -> bool:
        return any(s <= offset < e for s, e in self.headings)

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken)

    def span(self, start: int, end: int) -> PredictedSpan:
        return PredictedSpan(start=start, end=end, text=self.text[start:end])

    def time(self, start: int, end: int) -> PredictedTime:
        """A time expression as written; the rules fix no calendar date (``value`` null)."""
        return PredictedTime(start=start, end=end, text=self.text[start:end], value=None)

    def mentions(self) -> list[_Mention]:
        """Every mention in text order (cached: rebuilt only after a mention was added)."""
        if self._mentions is None:
            self._mentions = sorted(_Mention(s, e, o.id) for o in self.officials for s, e, _ in o.mentions)
        return self._mentions

    def official(self, official_id: str | None) -> _Official | None:
        return next((o for o in self.officials if o.id == official_id), None)

    def last_before(self, offset: int) -> str | None:
        """The official mentioned last before ``offset``, outside quotes (speakers are rarely quoted)."""
        before = [
            m for m in self.mentions() if m.end <= offset and not any(s <= m.start < e for s, e, _ in self.quote_spans)
        ]
        return before[-1].official if before else None

    def nearest_in(self, lo: int, hi: int, *, last: bool) -> str | None:
        inside = [m for m in self.mentions() if lo <= m.start and m.end <= hi]
        return (inside[-1] if last else inside[0]).official if inside else None

    def speaker_of(self, offset: int) -> str | None:
        """The speaker of the quote containing ``offset`` (for *I* and *we* inside quotes)."""
        return next((who for s, e, who in self.quote_spans if s <= offset < e), None)

    # -- 1. officials

    def add_official(self, name: str, title: str | None, rank: str | None, country: str | None) -> _Official:
        words = name_words(name)
        for o in self.officials:
            other = name_words(o.name or "")
            if other and (words <= other or other <= words):
                if len(words) > len(other):
                    o.name = name
                o.title, o.rank, o.country = o.title or title, o.rank or rank, o.country or country
                return o
        base = re.sub(r"\W+", "-", name.split()[-1].casefold()).strip("-") or "official"  # ids are free-form
        new_id = base if not any(o.id == base for o in self.officials) else f"{base}-{len(self.officials) + 1}"
        official = _Official(new_id, name, title, rank, country)
        self.officials.append(official)
        return official

    def add_mention(self, official: _Official, start: int, end: int, form: MentionForm) -> None:
        if self.free(start, end):
            official.mentions.append((start, end, form))
            self.taken.append((start, end))
            self._mentions = None

    def find_officials(self) -> None:
        """Officials, then their mentions: each rule below adds officials; mentions follow from what they found."""
        self.titled_officials()
        self.appositive_officials()
        self.officials_by_clause()
        self.name_mentions()
        self.title_mentions()
        self.role_noun_mentions()

    def titled_officials(self) -> None:
        """Rule 1a: ``[Country's|Demonym] Title[,] [Rank] Name`` (*Ghana's Minister of Defence, Yaw Boakye-Ansah*;
        *Kyrgyz President Kanybek Osmonaliev*; *Rear Admiral Mikko Saarela*). The title ends on an office noun
        and its *of/for/to* complements of office and country words, so *Defence* never starts a name. With
        the comma the title phrase is an apposition and a nominal mention of its own (guidelines 3.3); without it
        only the name is a mention. A country possessive before a bare name of two words or more
        (*India's Arvind Raghunathan*) names an official too."""
        lex = _lexicon()
        text = self.text
        for match in lex.named.finditer(text):
            title, rank, name = match["title"], match["rank"], match["name"]
            if title is None and rank is None and (match["cpos"] is None or len(name.split()) < 2):
                continue
            if match["comma"] and len(name.split()) < 2:
                continue  # "According to the spokeswoman, Thinh told": a clause, not an apposition
            if title and rank and " ".join(f"{title} {rank}".split()[-3:]) in RANKS:  # "Air Chief" + "Marshal"
                title, rank = None, " ".join(f"{title} {rank}".split()[-3:])
            country_word = match["cpos"] or match["dem"]
            country = country_of(country_word) if country_word else None
            if country is None and title:
                inside = lex.country.search(title)
                country = country_of(inside.group(0)) if inside else None
            official = self.add_official(name, _clean_title(title), rank, country)
            self.add_mention(official, match.start("name"), match.end("name"), "name")
            if title and (match["comma"] or re.search(r"(?i)counterpart", title)):
                start = match.start("cpos") if match["cpos"] else match.start("dem") if match["dem"] else match.start()
                start = start + 4 if text[start : start + 4] == "the " else start
                self.add_mention(official, start, match.end("title"), "nominal")
            serves = SERVES_AS.match(text, match.end())
            if serves:
                official.title = official.title or serves["title"]
                self.add_mention(official, serves.start("title"), serves.end("title"), "nominal")

    def appositive_officials(self) -> None:
        """Rule 1b: ``Name Name, [a|the] [Country's] title,`` (*Kwame Asante, Ghana's defence minister,*;
        *Levan Abashidze, a lawmaker from the opposition*): a name of two words or more followed by an office
        in apposition. The apposition is a nominal mention (without its article)."""
        for match in _lexicon().apposition.finditer(self.text):
            name = match["name"]
            if len(name.split()) < 2 and not any(name in (o.name or "").split() for o in self.officials):
                continue
            country_word = match["cpos"] or match["dem"]
            official = self.add_official(name, _clean_title(match["title"]), None, country_of(country_word or ""))
            self.add_mention(official, match.start("name"), match.end("name"), "name")
            self.add_mention(official, match.start("role"), match.end("role"), "nominal")

    def officials_by_clause(self) -> None:
        """Rule 1c: a name of two words or more after *led by* / *headed by*, or before *, who chairs ...*: the
        person holds an office though no title is written before the name."""
        for match in _lexicon().name.finditer(self.text):
            name = match.group(0)
            if len(name.split()) < 2 or not self.free(match.start(), match.end()):
                continue
            led = LED_BY.search(self.text, max(0, match.start() - 25), match.start())
            holds = WHO_HOLDS.match(self.text, match.end())
            if led or holds:
                official = self.add_official(name, None, None, None)
                self.add_mention(official, match.start(), match.end(), "name")

    def name_mentions(self) -> None:
        """Every later name whose words are all words of one official's name (*Lacerda Moura*, *Robleh*) is a
        name mention of that official; a name shared by two officials is left alone."""
        for match in _lexicon().name.finditer(self.text):
            words = name_words(match.group(0))
            owners = [o for o in self.officials if o.name and words <= name_words(o.name)]
            if len(owners) == 1:
                self.add_mention(owners[0], match.start(), match.end(), "name")

    def title_mentions(self) -> None:
        """Every later occurrence of an official's title (*the Defence Minister*) is a nominal mention of the
        official whose title it fits best, with the country word before it when there is one."""
        text = self.text
        country = _lexicon().country
        for official in list(self.officials):
            if not official.title:
                continue
            words = [w for w in re.findall(r"\w+", official.title) if w.casefold() not in ("of", "the")]
            if not words or (len(words) == 1 and words[0].casefold() in ("counterpart", "member", "officer")):
                continue
            pattern = r"\b" + r"\W+(?:(?:of|the)\s+)*".join(map(re.escape, words)) + r"\b"
            for m in re.finditer(pattern, text, re.IGNORECASE):
                start = m.start()
                before = re.search(rf"(?:{country.pattern})(?:[’']s?)? $", text[max(0, start - 30) : start])
                if before:
                    start -= len(before.group(0))
                    if country_of(before.group(0)) not in (None, official.country):
                        continue  # "Azerbaijan's President" is not Kazakhstan's
                if any(a - m.end() in range(1, 40) and f == "name" for a, _, f in official.mentions) and re.fullmatch(
                    rf" (?:(?:{_RANK}) )?", text[m.end() : min(a for a, _, f in official.mentions if a > m.end())]
                ):
                    continue  # "Defence Minister Anna Berg": the title before the name is no mention (3.3)
                scores = {o.id: name_score(m.group(0), [o.title or ""]) for o in self.officials}
                top = max(scores.values())
                if scores[official.id] == top and (before or list(scores.values()).count(top) == 1):
                    self.add_mention(official, start, m.end(), "nominal")

    def role_noun_mentions(self) -> None:
        """*the Portuguese minister*, *Ghana's counterpart*: a country word and an office noun is a nominal mention
        of the only official of that country, when there is exactly one."""
        for m in _lexicon().role_noun.finditer(self.text):
            code = country_of(m["cpos"] or m["dem"] or "")
            same = [o for o in self.officials if code and o.country == code]
            if len(same) == 1:
                self.add_mention(same[0], m.start("role"), m.end("role"), "nominal")

    # -- 2, 3. quotes

    def cue_before(self, lo: int, opening: int) -> re.Match[str] | None:
        window = self.text[lo:opening]
        found = [m for m in CUE.finditer(window) if len(window) - m.end() <= 3]
        return found[-1] if found else None

    def subject(self, lo: int, hi: int, anchor: int | None = None) -> _Subject | None:
        """Who the phrase ``text[lo:hi]`` ending right before a cue names (guidelines 6.2): an official by a
        mention, a pronoun (resolved to the previous speaker) or a plural of officials (each member, 3.5); or a
        non-official source by its head noun (*the ministry*, *the statement*, *officials*, *a spokesperson for
        the ministry*, 2.5 and 4) or by a name that is no official's (an analyst). None when nothing is there."""
        text = self.text
        ref = hi if anchor is None else anchor  # where a pronoun or "the minister" looks back from
        lo = max(lo, hi - 300)  # a subject is never longer: bounds the work on a run-on sentence
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        clause = _RELATIVE.search(text, lo, hi)  # "X, led by Y, said", "X, who asked not to be named, said"
        if clause and clause.start() > lo:
            hi = clause.start()
        for pattern in (_ADVERBS, _APPOSITIVE):  # "X, for his part, also said": adverbs, then appositions
            at_end = [
                m for m in self.mentions() if lo <= m.start and m.end <= hi and _TITLE_TAIL.fullmatch(text, m.end, hi)
            ]
            if at_end:
                last = at_end[-1]
                both = [m for m in self.mentions() if lo <= m.start and m.end <= last.start]
                if (
                    both
                    and re.fullmatch(
                        r",? and (?:(?:the )?[A-Z][\w’'.-]*(?:’s|'s)? ){0,7}", text[both[-1].end : last.start]
                    )
                    and both[-1].official != last.official
                ):
                    return _Subject((both[-1].official, last.official), (both[-1].start, last.end), None)
                return _Subject((last.official,), (last.start, last.end), None)
            trimmed = pattern.search(text, lo, hi)
            if trimmed and trimmed.start() > lo:
                hi = trimmed.start()
        while hi > lo and (text[hi - 1].isspace() or text[hi - 1] == ","):
            hi -= 1
        if hi <= lo:
            return None
        before = text[lo:hi]
        pronoun = re.search(r"(?:^|\s)(?P<p>he|she|He|She)$", before)
        if pronoun:
            who = self.previous_speaker(ref) or self.last_before(ref)
            return _Subject((who,), (lo + pronoun.start("p"), hi), None) if who else None
        if re.search(r"(?:^|\s)(?:I|we|We)$", before):
            who = self.speaker_of(hi)
            return _Subject((who,), None, None) if who else None
        relative = re.search(r",? who$", before)
        if relative:  # "Henrique Lacerda Moura, who promised": the relative's antecedent
            antecedent = [m for m in self.mentions() if lo <= m.start and m.end <= lo + relative.start()]
            if antecedent and not text[antecedent[-1].end : lo + relative.start()].strip():
                return _Subject((antecedent[-1].official,), (antecedent[-1].start, antecedent[-1].end), None)
        definite = DEFINITE_OFFICE.search(before)
        if definite:  # "the minister", "the Chief of Staff of the Armed Forces": one official, else the last speaker
            scores = {o.id: name_score(definite["np"][4:], [o.title or ""]) for o in self.officials}
            best = [i for i, v in scores.items() if v > 0 and v == max(scores.values())]
            if len(definite["np"].split()) > 3:  # "the Chief of Staff of the Armed Forces": by title, else last speaker
                who = best[0] if len(best) == 1 else self.previous_speaker(ref) or self.last_before(ref)
            else:  # "the minister": the last speaker if a minister, else the minister mentioned last
                head = definite["head"].casefold()
                holders = {o.id for o in self.officials if self._holds(o, head)}
                spoke = self.previous_speaker(ref)
                mentioned = [m.official for m in self.mentions() if m.end <= ref and m.official in holders]
                who = spoke if spoke in holders else mentioned[-1] if mentioned else spoke or self.last_before(ref)
            if re.match(r"(?i)spokes", definite["head"]) and not any(
                "spokes" in (o.title or "") for o in self.officials
            ):
                return _Subject((), (lo + definite.start("np") + 4, hi), "other")  # an unnamed spokesperson (2.5)
            if who:
                return _Subject((who,), (lo + definite.start("np"), hi), None)
        if re.search(r"(?:^|\s)(?:it|It)$", before) and self.last_source and ref - self.last_source[0] < 400:
            return _Subject((), self.last_source[1], self.last_source[2])  # "the ministry said ... it said"
        plural = PLURAL.search(text, lo, hi)
        if plural:
            members = self.members(plural, hi)
            if members:
                self.last_plural = (hi, members)
                return _Subject(tuple(members), (plural.start("np"), plural.end("np")), None)
        nominal = SOURCE_NP.search(text, lo, hi)
        if nominal:
            head = nominal["head"].casefold()
            kind = next(k for k, heads in SOURCE_HEADS.items() if re.fullmatch(heads, head))
            start = nominal.start("np")
            det = re.match(
                r"(?:(?:the|a|an|its|their|his|her|while|and|but|as|whereas) )+", text[start:hi], re.IGNORECASE
            )
            start += det.end() if det else 0
            if kind in ("institution", "statement", "document"):
                self.last_source = (hi, (start, nominal.end("np")), kind)
            return _Subject((), (start, nominal.end("np")), kind)
        names = [m for m in _lexicon().name.finditer(text, max(lo, hi - 60), hi) if m.end() == hi]
        if names and not [m for m in self.mentions() if m.start < hi and m.end > names[-1].start()]:
            name = names[-1]
            country = _lexicon().country.fullmatch(name.group(0))
            return _Subject((), (name.start(), name.end()), "institution" if country else "other")
        country_at_end = [m for m in _lexicon().country.finditer(text, max(lo, hi - 40), hi) if m.end() == hi]
        if country_at_end:  # "Eritrea has said": a state as the source (guidelines 4)
            return _Subject((), (country_at_end[-1].start(), hi), "institution")
        return None

    def _holds(self, official: _Official, head: str) -> bool:
        """Whether the official's title or one of its mentions has the office noun ``head``."""
        return head in (official.title or "").casefold() or any(
            head in self.text[a:b].casefold() for a, b, _ in official.mentions
        )

    def _named_spokesperson(self, mention: _Mention) -> bool:
        official = self.official(mention.official)
        return official is not None and re.search(r"(?i)spokes", official.title or "") is not None

    def members(self, plural: re.Match[str], at: int) -> list[str]:
        """The officials a plural subject stands for: those whose title has its head noun (*the ministers*), else
        the last plural's members or the officials of the sentence before (*they*, *both*); *two* keeps the two
        mentioned last."""
        head = (plural["head"] or "").casefold()
        if head:
            stem = head.removesuffix("s").removesuffix("ie") if head != "coast guards" else "coast guard"
            stem = "secretar" if head == "secretaries" else stem
            found = [
                o.id
                for o in self.officials
                if stem in (o.title or "").casefold()
                or any(stem in self.text[a:b].casefold() for a, b, _ in o.mentions)
            ]
            if len(found) < 2 and self.last_plural and at - self.last_plural[0] < 600:
                found = list(self.last_plural[1])
            elif len(found) < 2:
                found = self.recent_officials(at)
        elif self.last_plural and at - self.last_plural[0] < 400:
            found = list(self.last_plural[1])
        else:
            found = self.recent_officials(at)
        number = re.search(r"\b(two|three|four|five|six)\b", plural.group(0))
        if len(found) < 2 and (number or plural["head"]):  # "the two sides": the officials mentioned last
            found = list(dict.fromkeys(m.official for m in reversed(self.mentions()) if m.end <= at))
            found = found[: ("two", "three", "four", "five", "six").index(number[1]) + 2 if number else 2]
        if number:
            n = ("two", "three", "four", "five", "six").index(number[1]) + 2
            last = sorted(
                found,
                key=lambda o: max((m.start for m in self.mentions() if m.official == o and m.start < at), default=-1),
            )
            found = [o for o in found if o in last[-n:]]
        return found if len(found) >= 2 else []

    def recent_officials(self, at: int) -> list[str]:
        """The officials mentioned in this sentence and the one before, in order of first mention."""
        s_start = self.sentence(at)[0]
        previous = self.sentence(max(0, s_start - 2))
        return list(dict.fromkeys(m.official for m in self.mentions() if previous[0] <= m.start < at))

    def previous_speaker(self, at: int, *, same_sentence: bool = False) -> str | None:
        """The speaker of the attribution whose cue comes last in the previous sentence (guidelines 6.2, pronoun
        step 1), or, with ``same_sentence``, last before ``at`` in this sentence (a coordinated verb)."""
        s_start = self.sentence(at)[0]
        lo, hi = (s_start, at) if same_sentence else (self.sentence(max(0, s_start - 2))[0], s_start)
        before = [a for a in self.attributions if a.cues and lo <= _cue_start(a) < hi]
        contents = [_offsets(c) for a in before for c in a.contents]
        # a nested act (*she said X had promised ...*) is not the one a later pronoun continues
        outer = [a for a in before if not any(s <= _cue_start(a) < e for s, e in contents)]
        spoken = [a for a in outer if a.speaker_id] or [a for a in before if a.speaker_id]
        return max(spoken, key=_cue_start).speaker_id if spoken else None

    def _participle(self, s_start: int, cue_start: int) -> bool:
        """*..., inviting him to*, *... and offered to*: a verb that shares the subject of the verb before it."""
        after = re.match(r"\w+", self.text[cue_start:])
        before = self.text[s_start:cue_start].rstrip()
        participle = after is not None and after.group(0).endswith("ing") and before.endswith(",")
        return participle or before.endswith(" and")

    def official_before(self, at: int) -> _Subject | None:
        who = self.last_before(at)
        return _Subject((who,), None, None) if who else None

    def subject_before(self, cue_start: int) -> _Subject | None:
        """The subject of a cue verb: the phrase from the nearest clause start to the cue, else from the sentence
        start; for a coordinated verb (*Mansour thanked X and offered ...*) the sentence's first official."""
        s_start = max(self.sentence(cue_start)[0], cue_start - 400)  # a run-on sentence: look back a clause or two
        starts = [s_start + m.end() for m in CLAUSE_OPEN.finditer(self.text[s_start:cue_start])]
        for lo in dict.fromkeys([s_start, *reversed(starts)] if not self._participle(s_start, cue_start) else []):
            found = self.subject(lo, cue_start)
            if found is not None:
                return found
        before = self.text[s_start:cue_start].rstrip()
        if not re.search(r"(?:,| and)$", before):
            # "Harkness also ruled out agreeing", "Lins closed the conference by thanking": the sentence's subject
            first = next((m for m in self.mentions() if s_start <= m.start < cue_start), None)
            if first is not None and _SUBJECT_LEAD.fullmatch(self.text, s_start, first.start):
                return _Subject((first.official,), (first.start, first.end), None)
            return None
        # a coordinated verb or a participle: the subject of the verb before it in the sentence (all its members)
        who = self.previous_speaker(cue_start, same_sentence=True)
        if who is not None:
            cue_of = next(_cue_start(a) for a in reversed(self.attributions) if a.speaker_id == who)
            same = [a.speaker_id for a in self.attributions if a.cues and _cue_start(a) == cue_of]
            if len(same) > 1 and all(same):
                return _Subject(tuple(dict.fromkeys(w for w in same if w)), None, None)
        if who is None and re.match(r"(?:He|She)\b", before):
            who = self.previous_speaker(cue_start) or self.last_before(s_start)
        first = next((m for m in self.mentions() if s_start <= m.start < cue_start), None)
        who = who or (first.official if first else None)
        return _Subject((who,), None, None) if who else None

    def add_quote(
        self,
        contents: tuple[int, int],
        cue: tuple[int, int] | None,
        subject: Callable[[], _Subject | None],
        kind: Literal["direct", "indirect"],
    ) -> None:
        """Keep a found attribution; its subject is resolved later, in text order, so that a pronoun finds the
        speaker of the attribution before it whichever rule found that one."""
        self.pending.append((cue[0] if cue else contents[0], contents, cue, subject, kind))

    def resolve_attributions(self) -> None:
        for _, contents, cue, subject, kind in sorted(self.pending, key=lambda p: (p[0], p[1])):
            self._attribute(contents, cue, subject(), kind)

    def _attribute(
        self,
        contents: tuple[int, int],
        cue: tuple[int, int] | None,
        subject: _Subject | None,
        kind: Literal["direct", "indirect", "mixed"],
    ) -> None:
        """One attribution per official of the subject (guidelines 6.2, coordinated and plural sources), or one
        with the non-official source as written, or one without a source when none was found."""
        start, end = contents
        while start < end and self.text[start].isspace():
            start += 1
        # a reported clause loses a trailing comma; a direct content runs up to its closing mark (guidelines 6.3)
        while end > start and (self.text[end - 1].isspace() or (kind != "direct" and self.text[end - 1] in ",;")):
            end -= 1
        if end - start < 2 or any(_offsets(a.contents[0]) == (start, end) for a in self.attributions):
            return
        previous = self.attributions[-1] if self.attributions else None
        if (
            kind == "direct"
            and previous
            and previous.kind == "direct"
            and cue
            and previous.cues
            and _cue_start(previous) == cue[0]
        ):  # "“A,” X said. “B.”": one quotation, two contents (6.7)
            self.attributions[-1] = previous.model_copy(
                update={"contents": [*previous.contents, self.span(start, end)]}
            )
            self.quote_spans.append((start, end, previous.speaker_id))
            self.quote_ids.append(str(previous.id))
            return
        speakers: list[str | None] = list(subject.officials) if subject and subject.officials else [None]
        for speaker in speakers:
            attribution_id = f"a{len(self.attributions) + 1}"
            source_span = source_type = None
            if not speaker and subject and subject.span and subject.type:
                source_span, source_type = self.span(*subject.span), subject.type
            if kind == "indirect" and any(c in OPENING + CLOSING for c in self.text[start:end]):
                kind = "mixed"
            attribution = PredictedAttribution(
                id=attribution_id,
                cues=[self.span(*cue)] if cue else [],
                contents=[self.span(start, end)],
                kind=kind,
                speech_act=speech_act(self.text[cue[0] : cue[1]]) if cue else "assertive",
            )
            self.attributions.append(
                _with_found(attribution, speaker_id=speaker or None, source_span=source_span, source_type=source_type)
            )
            self.quote_spans.append((start, end, speaker))
            self.quote_ids.append(attribution_id)

    def find_direct_quotes(self) -> None:
        """Rule 2: a quotation between marks, its cue right before the opening mark or right after the closing
        one (*"...," the minister was quoted as saying*); a missing closing mark ends it at its paragraph."""
        text = self.text
        i = 0
        while (i := self._next_opening(i)) != -1:
            p_start, p_end = self.paragraph(i)
            close = next((j for j in range(i + 1, p_end) if text[j] in CLOSING), p_end)
            if self.in_heading(i) or len(text[i + 1 : close].split()) < 4:
                i = close + 1
                continue
            cue = self.cue_before(p_start, i)
            cue_span: tuple[int, int] | None = None
            after = None
            if cue is not None:
                cue_span = (p_start + cue.start(), p_start + cue.end())
            else:
                after = CUE.search(text, close + 1, min(p_end, close + 60))
                cue_span = (after.start(), after.end()) if after else None
            if cue_span is None and re.search(r"[\w,]\s*$", text[p_start:i]):
                i = close + 1  # a quoted fragment inside a sentence ("described the call as “warm”"): mixed
                continue
            self.direct.append((i + 1, close))
            self.add_quote(
                (i + 1, close), cue_span, partial(self.direct_subject, i, close, cue_span, after is not None), "direct"
            )
            i = close + 1

    def direct_subject(self, opening: int, close: int, cue: tuple[int, int] | None, after: bool) -> _Subject | None:
        """The speaker of a quotation: the subject of its cue (*X said, "..."*; *"...," the minister was quoted
        as saying*; *"...," said Lins*), else the official mentioned last before it."""
        subject: _Subject | None = None
        if cue is not None and not after:
            if PARTICIPLE.search(self.text[cue[0] : cue[1]]):  # "X stated ..., adding, “...”": the sentence's subject
                subject = self.subject_before(self.sentence(cue[0])[0] + 1)
            subject = subject or self.subject_before(cue[0])
        elif cue is not None:
            between = self.text[close + 1 : cue[0]]
            subject = self.subject(close + 1 + len(between) - len(between.lstrip(", ")), cue[0], anchor=opening)
            if subject is None:  # "..., said Lins": the subject after the cue
                name = next((m for m in self.mentions() if cue[1] < m.start < cue[1] + 40), None)
                subject = _Subject((name.official,), (name.start, name.end), None) if name else None
        if subject is None:
            who = self.last_before(opening)
            subject = _Subject((who,), None, None) if who else None
        return subject

    def _next_opening(self, start: int) -> int:
        positions = [p for p in (self.text.find(c, start) for c in OPENING) if p != -1]
        return min(positions, default=-1)

    def inside_quote(self, offset: int) -> bool:
        """Inside a direct quotation (reported clauses nest: *she said X had promised that ...* is two acts)."""
        return any(s <= offset < e for s, e in self.direct)

    def find_indirect_quotes(self) -> None:
        """Rule 3: reported clauses: *cue that ...*, *said the two armies would ...* (no *that*), *According to
        X, ...*, *..., according to X*, and *..., the statement said.* (a cue after the content)."""
        text = self.text
        for m in THAT_CLAUSE.finditer(text):
            if self.in_heading(m.start()) or self.inside_quote(m.start()):
                continue
            content_start, content_end = m.start("content"), m.end("content")
            cut = CLAUSE_BREAK.search(text, content_start, content_end)
            fronted = re.match(r"[A-Z]", m["cue"]) is not None and PARTICIPLE.search(m["cue"]) is not None
            subject: Callable[[], _Subject | None]
            if fronted:  # "Stating that X, the defense minister noted": X ends at the subject's comma
                first = next((mm for mm in self.mentions() if content_start < mm.start < content_end), None)
                if first is not None:
                    comma = text.rfind(",", content_start, first.start)
                    content_end = comma if comma != -1 else content_end
                    subject = partial(_Subject, (first.official,), (first.start, first.end), None)
                else:
                    subject = partial(self.official_before, m.start())
            else:
                if cut:
                    content_end = cut.start()
                subject = partial(self.subject_before, m.start("cue"))
            self.add_quote((content_start, content_end), (m.start("cue"), m.end("cue")), subject, "indirect")
        for m in BARE_CLAUSE.finditer(text):
            if self.in_heading(m.start()) or self.inside_quote(m.start("content")) or self.inside_quote(m.start()):
                continue
            content_start, content_end = m.start("content"), m.end("content")
            cut = CLAUSE_BREAK.search(text, content_start, content_end)
            if cut:
                content_end = cut.start()
            cue_end = m.start("cue") + len(m["cue"].split()[0])  # "told Mansour": the cue is "told"
            self.add_quote(
                (content_start, content_end),
                (m.start("cue"), cue_end),
                partial(self.subject_before, m.start("cue")),
                "indirect",
            )
        self.find_according_to()
        self.find_postposed()
        self.find_narrative_acts()

    def find_according_to(self) -> None:
        """*According to the statement, X ...* and *X ..., according to a statement*: the source is the phrase
        after *according to*, the content the clause on the other side of the comma."""
        text = self.text
        for m in ACCORDING_BEFORE.finditer(text):
            if self.in_heading(m.start()) or self.inside_quote(m.start()):
                continue
            subject = partial(self.subject, m.start("source"), m.end("source"))
            end = m.end("content")
            cut = CLAUSE_BREAK.search(text, m.start("content"), end)
            self.add_quote(
                (m.start("content"), cut.start() if cut else end), (m.start("cue"), m.end("cue")), subject, "indirect"
            )
        for m in ACCORDING_AFTER.finditer(text):
            if self.in_heading(m.start()) or self.inside_quote(m.start()):
                continue
            s_start = self.sentence(m.start())[0]
            start = max([s_start, *(b.end() for b in re.finditer(r"\bthat |[“”\"]", text[s_start : m.start()]))])
            start = s_start + start - s_start if start == s_start else s_start + start
            subject = partial(self.subject, m.start("source"), m.end("source"))
            self.add_quote((start, m.start()), (m.start("cue"), m.end("cue")), subject, "indirect")

    def find_postposed(self) -> None:
        """*The minister also undertook to ..., she said.*: a sentence without quotation marks that ends on a
        subject and a cue; the content is the sentence before the comma."""
        for s_start, s_end in self.sentences:
            sentence = self.text[s_start:s_end]
            if self.in_heading(s_start) or any(c in sentence for c in OPENING + CLOSING):
                continue
            m = POSTPOSED.search(sentence)
            if m is None or m.start() < 12:
                continue
            subject = partial(self.subject, s_start + m.start("subject"), s_start + m.end("subject"))
            cue = (s_start + m.start("cue"), s_start + m.end("cue"))
            self.add_quote((s_start, s_start + m.start()), cue, subject, "indirect")

    def find_narrative_acts(self) -> None:
        """Speech acts reported by their verb alone (*Long pledged to send ...*, *Mansour thanked ...*, *the
        ministers agreed to ...*, *Nino Gvasalia demanded that ...*)."""
        at = 0
        while m := NARRATIVE.search(self.text, at):
            group = next(g for g in ("cue", "cue2", "cue3") if m[g])
            cue, content = group, group.replace("cue", "content")
            at = m.end(cue)  # the next verb may sit inside this content ("thanked X and offered to ...")
            if self.in_heading(m.start()) or self.inside_quote(m.start()):
                continue
            content_start, content_end = m.start(content), m.end(content)
            cut = NEXT_VERB.search(self.text, content_start, content_end) or CLAUSE_BREAK.search(
                self.text, content_start, content_end
            )
            if cut:
                content_end = cut.start()
            if m[cue] == "welcomed" and self.nearest_in(
                content_start, min(content_end, content_start + 40), last=False
            ):
                continue  # "welcomed his counterpart": a reception (a meeting), not a stance
            self.add_quote(
                (content_start, content_end),
                (m.start(cue), m.end(cue)),
                partial(self.subject_before, m.start(cue)),
                "indirect",
            )

    # -- 4. meetings

    def find_meetings(self) -> list[PredictedMeeting]:
        meetings: list[PredictedMeeting] = []
        for m in MEETING.finditer(self.text):
            s_start, s_end = self.sentence(m.start())
            stop = MEETING_CLAUSE_END.search(self.text, m.end(), s_end)
            hi = stop.start() if stop else s_end
            objects = [mm for mm in self.mentions() if m.end() <= mm.start and mm.end <= hi]
            before = self.text[s_start : m.start()]
            verb = m.group(0)
            subjects: list[str] = []
            if verb.endswith("between"):  # "talks held in Hanoi between X and Y": no subject, two objects
                subject = None
            elif re.search(r"\bI (?:also )?$", before):
                subject = self.speaker_of(m.start())
            else:
                found = self.subject_before(m.start())
                subjects = list(found.officials) if found else []
                subject = subjects[-1] if subjects else self.nearest_in(s_start, m.start(), last=True)
            if re.match(r"(?:held|had) ", verb) and not verb.endswith("with"):
                objects = []  # "X and Y held a video call": the subject is all of them
            people = list(dict.fromkeys([p for p in [*subjects[:-1], subject, *(o.official for o in objects)] if p]))
            if len(people) < 2:
                continue
            evidence_end = objects[-1].end if objects else hi
            passive = re.match(r"(?:was|were) received", verb) is not None
            hosting = (HOSTING.match(verb) is not None or passive) and subject is not None
            host = subject if not passive else (objects[0].official if objects else None)
            visited = VISITED.search(self.text, s_start, s_end)
            place = IN_PLACE.search(self.text, m.end(), hi)
            location = None
            if visited:
                location = self.span(visited.start("place"), visited.end("place"))
            elif place and self.free(place.start("place"), place.end("place")):
                location = self.span(place.start("place"), place.end("place"))
            day = WEEKDAY.search(self.text, s_start, s_end)
            meeting = PredictedMeeting(
                id=f"m{len(meetings) + 1}",
                participants=[
                    _with_found(
                        PredictedParticipant(official_id=p),
                        role=("host" if p == host else "visitor") if hosting else None,
                    )
                    for p in people
                ],
                evidence=[self.span(m.start(), evidence_end)],
                status="stated",
                mode=meeting_mode(self.text[s_start:s_end], m.group(0), visited=visited is not None),
            )
            meeting = _with_found(
                meeting, location=location, time=self.time(day.start("day"), day.end("day")) if day else None
            )
            at = next((i for i, x in enumerate(meetings) if _people(x) == _people(meeting)), None)
            if at is not None:  # the same officials meet again in the text: a restatement of one meeting
                same = meetings[at]
                meetings[at] = same.model_copy(update={"evidence": [*same.evidence, *meeting.evidence]})
                continue
            meetings.append(meeting)
        return meetings

    # -- 5. commitments

    def find_commitments(self) -> list[PredictedCommitment | PredictedStance]:
        """The commitments and stances stated with a commissive cue (a binding kind makes a commitment, any
        other a stance), one per clause, not yet numbered."""
        found: dict[tuple[int, int], PredictedCommitment | PredictedStance] = {}
        candidates = [(m, True) for s, e, _ in self.quote_spans for m in MODAL.finditer(self.text, s, e)]
        candidates += [(m, False) for m in COMMISSIVE_VERB.finditer(self.text)]
        candidates += [(m, True) for s, e, _ in self.quote_spans for m in WOULD.finditer(self.text, s, e)]
        for cue, _in_quote in candidates:
            if self.in_heading(cue.start()):
                continue
            inside = [i for i, (s, e, _) in enumerate(self.quote_spans) if s <= cue.start() < e]
            at = min(inside, key=lambda i: self.quote_spans[i][1] - self.quote_spans[i][0]) if inside else None
            quote = self.quote_spans[at] if at is not None else None
            lo = max(quote[0] if quote else self.sentence(cue.start())[0], cue.start() - 400)
            hi = min(quote[1] if quote else self.sentence(cue.start())[1], cue.end() + 400)
            starts = [lo, *(b.end() + lo for b in CLAUSE_START.finditer(self.text[lo : cue.start()]) if b.end())]
            clause_start = max(s for s in starts if s <= cue.start())
            end_match = CLAUSE_END.search(self.text, cue.end(), hi)
            clause_end = end_match.start() if end_match else hi
            while clause_end > cue.end() and self.text[clause_end - 1] in ",;: ":  # a quote's trailing comma
                clause_end -= 1
            content_start = cue.end() + 1
            addressee = re.match(rf"{_OBJECT} to ", self.text[content_start:clause_end])
            if addressee and not cue.group(0).endswith(" to"):  # "urged Latvia to join": the content is "join"
                content_start += addressee.end()
            if clause_end <= content_start:
                continue
            word = cue.group(0) if MODAL.fullmatch(cue.group(0)) else re.sub(r" (?:to|that|on)$", "", cue.group(0))
            if word == "will" and re.search(
                r"\b(?:the|necessary|political|strong|good|mutual|have|has) $",
                self.text[cue.start() - 12 : cue.start()],
            ):
                continue  # "the necessary will to": a noun, no modal
            kind = self.act_kind(word, self.text[clause_start : cue.start()], self.text[cue.end() : cue.end() + 30])
            narrated = next(
                (i for i, a in enumerate(self.attributions) if a.cues and _cue_start(a) == cue.start()), None
            )
            if narrated is not None:  # "the ministers agreed to": the act's own attribution and speakers
                at = self.quote_ids.index(str(self.attributions[narrated].id))
                quote = self.quote_spans[at]
            actor = (
                quote[2]
                if quote
                else (
                    self.nearest_in(self.sentence(cue.start())[0], cue.start(), last=True)
                    or self.last_before(cue.start())
                )
            )
            official = self.official(actor)
            if official is None:  # no official to act: format 2.1 has no commitment or stance without an actor
                continue
            when = TIME.search(self.text, clause_start, clause_end)
            model: type[PredictedCommitment] | type[PredictedStance] = (
                PredictedCommitment if kind in BINDING_KINDS else PredictedStance
            )
            act = model.model_validate(  # the kind picks the model: validated against it
                {
                    "actors": [PredictedActor(official_id=official.id, country=official.country)],
                    "kind": kind,
                    "content": self.span(content_start, clause_end),
                    "evidence": self.span(clause_start, clause_end),
                    "modality": self.span(cue.start(), cue.end()),
                    "modality_type": "epistemic" if kind == "predict" else "deontic",
                }
            )
            act = _with_found(
                act,
                attribution_id=self.quote_ids[at] if at is not None else None,
                time=self.time(when.start("time"), when.end("time")) if when else None,
            )
            found.setdefault((clause_start, clause_end), act)
        return list(found.values())

    @staticmethod
    def act_kind(cue: str, subject: str, after: str = "") -> CommitmentKind | StanceKind:
        """The kind of the act a cue reports (:data:`COMMISSIVES`); a modal of the speaker's own side is a pledge
        or a plan, a modal of anything else a prediction (*the deal would*, *it will not*)."""
        kind: CommitmentKind | StanceKind = next(
            (k for pattern, k in COMMISSIVES if re.fullmatch(pattern, cue, re.IGNORECASE)), "intend"
        )
        if cue in ("can", "could"):  # "we can help", "you can come": an offer; "it can expand": a prediction
            return "offer" if re.search(r"\b(?:we|I|you)(?: \w+)?$", subject.rstrip()) else "predict"
        if re.fullmatch(r"will|shall", cue) and re.match(r" (?:\w+ )?(?:see|witness|become|remain)\b", after):
            return "predict"  # "we will see the deepening of relations": what happens, not what is done
        if re.fullmatch(r"will|shall|would|will not|won't|shall not|would not", cue) and not OWN_SIDE.search(
            subject.rstrip()
        ):
            country = _lexicon().country.search(subject)
            if country is None or country.end() < len(subject.rstrip()) - 25:
                return "predict"
        return kind

    # -- all

    def run(self) -> PredictedDocument:
        self.find_officials()
        self.find_direct_quotes()
        self.find_indirect_quotes()
        self.resolve_attributions()
        meetings = self.find_meetings()
        commitments, stances = _split_acts(self.find_commitments())
        return PredictedDocument(
            schema_version=PREDICTION_VERSION,
            document_id=self.doc.id,
            text_sha256=self.doc.sha256,
            annotators=[METHOD],
            officials=[
                PredictedOfficial(
                    id=o.id,
                    name=o.name,
                    title=o.title,
                    rank=o.rank,
                    country=o.country,
                    mentions=[
                        PredictedMention(start=s, end=e, text=self.text[s:e], form=form)
                        for s, e, form in sorted(o.mentions)
                    ],
                )
                for o in self.officials
            ],
            sources=[],  # the rules find no non-official sources
            meetings=meetings,
            attributions=self.attributions,
            commitments=commitments,
            stances=stances,
        )


def speech_act(cue: str) -> SpeechAct:
    """The Searle class of an act reported with ``cue`` (*urged* -> directive); assertive by default."""
    bare = " ".join(cue.casefold().split())
    return next((act for pattern, act in SPEECH_ACTS if re.fullmatch(pattern, bare)), "assertive")


def meeting_mode(sentence: str, verb: str, *, visited: bool) -> MeetingMode:
    """telephone or video when the sentence names the medium; in_person for meeting, hosting and visiting
    verbs; otherwise unspecified (*talked with* says nothing of where)."""
    if VIDEO.search(sentence):
        return "video"
    if TELEPHONE.search(sentence):
        return "telephone"
    return "in_person" if visited or IN_PERSON.match(verb) else "unspecified"


def _clean_title(title: str | None) -> str | None:
    """The title as the guidelines want it: without a final *of <country>* (that goes to ``country``)."""
    if title is None:
        return None
    return re.sub(rf" of (?:the )?(?:{_lexicon().country.pattern})$", "", title) or title


def _people(meeting: PredictedMeeting) -> frozenset[str | None]:
    return frozenset(p.official_id for p in meeting.participants)


def _offsets(span: PredictedSpan) -> tuple[int, int]:
    """The offsets of a span the rules placed (they place every span they make)."""
    assert span.start is not None and span.end is not None
    return span.start, span.end


def _cue_start(attribution: PredictedAttribution) -> int:
    """Where the first cue of an attribution with cues starts."""
    return _offsets(attribution.cues[0])[0]


_Item = TypeVar("_Item", bound=BaseModel)


def _split_acts(
    acts: list[PredictedCommitment | PredictedStance],
) -> tuple[list[PredictedCommitment], list[PredictedStance]]:
    """The acts found as (commitments, stances), numbered c1, c2 ... and st1, st2 ... in order."""
    commitments = [a for a in acts if isinstance(a, PredictedCommitment)]
    stances = [a for a in acts if isinstance(a, PredictedStance)]
    return (
        [c.model_copy(update={"id": f"c{i}"}) for i, c in enumerate(commitments, 1)],
        [s.model_copy(update={"id": f"st{i}"}) for i, s in enumerate(stances, 1)],
    )


def _with_found(item: _Item, **fields: object) -> _Item:
    """``item`` with those of ``fields`` that were found (not None) set: a line states what the rules found and
    leaves out what they did not look for (a meeting with no place has no ``location``)."""
    return item.model_copy(update={name: value for name, value in fields.items() if value is not None})


def extract_rules(doc: CorpusDocument) -> PredictedDocument:
    """The baseline's predictions for one corpus document (one prediction line)."""
    return _Extractor(doc).run()
