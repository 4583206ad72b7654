"""The INTERPOL Ecomessage form as CITES Resolution Conf. 11.3 (Rev. CoP19), Annex 1 prints it: its 13 numbered
sections and their items, numbered and lettered as the form does, with its own wording, in its order.

`seed/sources/ecomessage-annex1-cop19.csv` keeps the form as read from the resolution (tests/test_cases_ecomessage.py
checks that the two agree). The form marks its mandatory fields in red, which its text does not keep; what it says in
words is marked here: items 5.a to 5.l must be completed for each person involved, 6.a to 6.f for each business. No
other item is marked, and every item is printed, "unknown" where nothing is known, as the form's instructions ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from opsplatform.i18n import N_

VERSION = N_("CITES Resolution Conf. 11.3 (Rev. CoP19), Annex 1")


@dataclass(frozen=True)
class Entry:
    """A section (`"5"`) or an item (`"1.1"`, `"5a"`) of the form, keyed as the source list writes it."""

    key: str
    label: str  # the form's wording (translated when shown)
    mandatory: bool = False

    @property
    def section(self) -> str:
        return self.key.split(".")[0].rstrip("abcdefghijkl")

    @property
    def is_section(self) -> bool:
        return self.key == self.section

    @property
    def number(self) -> str:
        """As the form prints it: "5." for a section, "1.1", and "5.a" for a lettered item (as its notes write it)."""
        if self.is_section:
            return f"{self.key}."
        return self.key if "." in self.key else f"{self.section}.{self.key[len(self.section):]}"


def _items(section: str, *labels: str, mandatory: bool = False) -> tuple[Entry, ...]:
    """A section's items, numbered 1.1, 1.2… or lettered a, b… as the form does for that section."""
    lettered = section in ("5", "6", "8")
    return tuple(Entry(f"{section}{'abcdefghijkl'[n]}" if lettered else f"{section}.{n + 1}", label, mandatory)
                 for n, label in enumerate(labels))


ENTRIES: tuple[Entry, ...] = (
    Entry("1", N_("Subject")),
    *_items("1", N_("A brief description of the offense"), N_("Code name"), N_("Legal description of the offense")),
    Entry("2", N_("Place and method of discovery")),
    *_items("2", N_("Place where the offense was discovered"), N_("Describe how the offense was discovered"),
            N_("City, Country where offense was discovered")),
    Entry("3", N_("Date and time")),
    Entry("4", N_("Contraband products")),
    *_items("4", N_("Illegal wastes: Specify the nature of the wastes and their place of production; or Radioactive "
                    "substances: Specify the nature of the radioactive substance: or. Wildlife: Specify the scientific "
                    "and common names of the species involved, with a precise description of the specimen (e.g., "
                    "live, dead, part or derivative, age, sex, etc.)"),
            N_("Quantity and estimated value")),
    Entry("5", N_("Identity of person(s) involved")),
    *_items("5", N_("Date of arrest"), N_("Family name (& maiden name)"), N_("First name(s)"), N_("Sex"),
            N_("Alias(es)"), N_("Date and place of birth"), N_("Nationality"), N_("Address"),
            N_("Information contained on passport or national ID"), N_("Profession"),
            N_("If any, function in any of the companies mentioned in item 6"), N_("Other information"),
            mandatory=True),
    Entry("6", N_("Companies involved")),
    *_items("6", N_("Type"), N_("Name"), N_("Activities"), N_("Address and telecommunications details of headquarters"),
            N_("Registration number"), N_("Business address & phone/fax"), mandatory=True),
    Entry("7", N_("Means of transport and route")),
    Entry("8", N_("Locations")),
    *_items("8", N_("Country and town of origin"), N_("Country of provenance"), N_("Countr(ies) of transit"),
            N_("Country & address of destination")),
    Entry("9", N_("Identification of documents used")),
    Entry("10", N_("Law enforcement agency")),
    Entry("11", N_("Modus operandi")),
    Entry("12", N_("Additional information")),
    Entry("13", N_("Information requested")),
)
FORM = {entry.key: entry for entry in ENTRIES}
SECTIONS = tuple(entry for entry in ENTRIES if entry.is_section)
# The form's notes under sections 5 and 6, which say what the marked items are.
NOTES = {"5": N_("Note: Items 5.a to 5.l must be completed for each person involved"),
         "6": N_("Note: Items 6.a to 6.f must be completed for each business involved")}


def items_of(section: str) -> tuple[Entry, ...]:
    """The items printed under a section, in order (none for 3, 7 and 9 to 13, which are answered whole)."""
    return tuple(entry for entry in ENTRIES if entry.section == section and not entry.is_section)
