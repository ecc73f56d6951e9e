"""Declared schemas of the embedded tables.

The embedded files go through the same input layer as user files
(:func:`jeugdlib.io.read_table` and :meth:`jeugdlib.io.Schema.validate`), so a
damaged or re-exported embedded file is refused with the same messages. Each
schema renames the published column names (aliases) to jeugdlib's readable
names; ``SCHEMA.describe()`` lists them.
"""

from __future__ import annotations

from jeugdlib.io import Column, Schema

__all__ = [
    "AMSTERDAM_KWB_2017_COLUMNS",
    "AMSTERDAM_KWB_2017_SCHEMA",
    "GEMEENTE_JEUGDREGIO_SCHEMA",
    "ELAN_GEMEENTE_SCHEMA",
    "ELAN_WIJK_SCHEMA",
    "INDICATOREN_2022_SCHEMA",
    "KWB_COLUMNS",
    "LEEFBAAROMETER_BUURT_SCHEMA",
    "LEEFBAAROMETER_GEMEENTE_SCHEMA",
    "MERGERS_SCHEMA",
    "MPDTA_SCHEMA",
    "SCP_2017_SCHEMA",
    "SCP_DETERMINANT_COLUMNS",
    "SCP_SHARES",
    "kwb_schema",
]

#: The 27 SCP determinants in the order of the SCP file.
SCP_DETERMINANT_COLUMNS: tuple[str, ...] = (
    "perc_sbo_g", "perc_vso_g", "perc_praktijk_g", "perc_hhmk", "perc_jong04", "perc_1ouder",
    "perc_tienmam", "perc_hhmkhgink", "perc_kind_sch5", "perc_ouderpsy", "perc_hhverd",
    "perc_hhbijs", "perc_hhwan", "groenedruk", "grijzedruk", "perc_ao", "perc_laagopl",
    "gem_gestink", "polchrplus", "perc_nwmig", "perc_antsur", "perc_1gez", "huur_corp",
    "woonwaarde", "afstandhuisarts", "samenw", "kleinewijk",
)  # fmt: skip

#: SCP columns that are percentages (checked to lie within 0–100).
SCP_SHARES: tuple[str, ...] = tuple(c for c in SCP_DETERMINANT_COLUMNS if c.startswith("perc_")) + (
    "perc_jhzv", "perc_przv", "polchrplus", "huur_corp", "perc_1gez",
)  # fmt: skip

SCP_2017_SCHEMA = Schema(
    "SCP wijkbestand 2017",
    [
        Column("wijkcode", "code:wijk", aliases=("wijkcode_2017",), description="CBS wijkcode, 2017 boundaries"),
        Column("wijknaam", "str"),
        Column("gemeentecode", "code:gemeente", aliases=("gemeentecode_2017",), nullable=False),
        Column("gemeentenaam", "str", aliases=("gemnaam_2017",)),
        Column("perc_jhzv", "share", description="observed % of youths with jeugdhulp zonder verblijf"),
        Column("perc_przv", "share", description="SCP's expected % (prediction)"),
        Column("residu", "float", description="observed - expected"),
        *[Column(c, "share" if c in SCP_SHARES else "float", description="SCP determinant")
          for c in SCP_DETERMINANT_COLUMNS],
    ],
    key="wijkcode",
    description="one row per wijk (2017 boundaries)",
)  # fmt: skip

GEMEENTE_JEUGDREGIO_SCHEMA = Schema(
    "gemeente-jeugdregio table",
    [
        Column("jaar", "int", min=2000, max=2100, description="boundary year"),
        Column("gemeentecode", "code:gemeente"),
        Column("gemeentenaam", "str", nullable=False),
        Column("jeugdregio_code", "code:jeugdregio", nullable=False),
        Column("jeugdregio_naam", "str", nullable=False),
    ],
    key="gemeentecode",
    description="one row per gemeente with its jeugdzorgregio",
)

MERGERS_SCHEMA = Schema(
    "gemeente mergers table",
    [
        Column("ingangsjaar", "int", min=2000, max=2100, description="first boundary year without the old gemeente"),
        Column("oude_gemeentecode", "code:gemeente"),
        Column("oude_gemeentenaam", "str"),
        Column("nieuwe_gemeentecode", "code:gemeente", nullable=False),
        Column("nieuwe_gemeentenaam", "str", nullable=False),
        Column("bron", "str", required=False),
        Column("opmerking", "str", required=False, description="partitions: the other successors"),
    ],
    key="oude_gemeentecode",
    description="one row per merged (dissolved) gemeente",
)

MPDTA_SCHEMA = Schema(
    "mpdta panel",
    [
        Column("year", "int", min=2003, max=2007),
        Column("countyreal", "int", min=0),
        Column("lpop", "float"),
        Column("lemp", "float"),
        Column("first.treat", "int", min=0, description="first treated year, 0 = never"),
        Column("treat", "int", min=0, max=1),
    ],
    key=("countyreal", "year"),
    description="R did package example: one row per county and year",
)

#: Short KWB/StatLine column names in the embedded KWB file → readable names.
KWB_COLUMNS: dict[str, str] = {
    "a_inw": "inwoners", "a_man": "mannen", "a_vrouw": "vrouwen",
    "a_00_14": "inw_0_14", "a_15_24": "inw_15_24", "a_25_44": "inw_25_44", "a_45_64": "inw_45_64",
    "a_65_oo": "inw_65_plus", "a_ongeh": "ongehuwd", "a_gehuwd": "gehuwd", "a_gesch": "gescheiden",
    "a_verwed": "verweduwd", "a_w_all": "migratie_westers", "a_nw_all": "migratie_nietwesters",
    "a_marok": "migratie_marokko", "a_antaru": "migratie_antillen_aruba", "a_suri": "migratie_suriname",
    "a_tur": "migratie_turkije", "a_ov_nw": "migratie_overig_nietwesters", "a_hh": "huishoudens",
    "a_1p_hh": "eenpersoonshuishoudens", "a_hh_z_k": "huishoudens_zonder_kinderen",
    "a_hh_m_k": "huishoudens_met_kinderen", "g_hhgro": "gem_huishoudensgrootte", "a_woning": "woningen",
    "g_wozbag": "woz_waarde_x1000", "p_koopw": "perc_koopwoningen", "p_huurw": "perc_huurwoningen",
    "p_wcorpw": "perc_corporatiewoningen", "bev_dich": "bevolkingsdichtheid",
    "a_soz_wb": "bijstand", "a_soz_ao": "ao_uitkering", "a_soz_ww": "ww_uitkering", "a_soz_ow": "aow_uitkering",
    "a_wmo_t": "wmo_clienten", "ste_mvs": "stedelijkheid", "ste_oad": "omgevingsadressendichtheid",
    "g_ink_pi": "gem_inkomen_per_inwoner_x1000", "g_afs_hp": "afstand_huisarts",
    "g_afs_gs": "afstand_supermarkt", "g_afs_kv": "afstand_kinderdagverblijf", "g_afs_sc": "afstand_school",
    # CBS Jeugdzorg; wijken (85075NED / 85335NED), counts rounded to 5, < 10 suppressed
    "jz_jongeren_totaal": "jz_jongeren", "k_0Tot4Jaar_2": "jz_0_4", "k_4Tot12Jaar_3": "jz_4_12",
    "k_12Tot18Jaar_4": "jz_12_18", "k_18Tot23Jaar_5": "jz_18_23",
    "ThuiswonendKindInEenouderhuishouden_6": "jz_eenouderhuishouden",
    "ThuiswonendKindBijEenPaar_7": "jz_paarhuishouden", "AnderHuishouden_8": "jz_ander_huishouden",
    "TotaalTrajectenInNatura_9": "jz_trajecten", "GemeentelijkeToegang_10": "jz_verwijzer_gemeente",
    "Huisarts_11": "jz_verwijzer_huisarts", "Jeugdarts_12": "jz_verwijzer_jeugdarts",
    "GecertificeerdeInstelling_13": "jz_verwijzer_gi", "MedischSpecialist_14": "jz_verwijzer_medisch_specialist",
    "RechterOfficierVanJustitie_15": "jz_verwijzer_rechter", "GeenVerwijzer_16": "jz_geen_verwijzer",
    "VerwijzerOnbekend_17": "jz_verwijzer_onbekend",
}  # fmt: skip


def kwb_schema(level: str) -> Schema:
    """Schema of the wijk (``level="wijk"``) or gemeente rows of the embedded KWB + jeugdzorg file."""
    code = "wijkcode" if level == "wijk" else "gemeentecode"
    name = [Column("wijknaam", "str", aliases=("regio",))] if level == "wijk" else [Column("regio", "str")]
    return Schema(
        f"KWB + jeugdzorg table ({level} rows)",
        [
            Column(code, f"code:{level}", aliases=("gwb_code_10",)),
            *name,
            Column("gemeentenaam", "str", aliases=("gm_naam",)),
            Column("recs", "str", description="Wijk or Gemeente"),
            Column("jaar", "int", min=2000, max=2100, aliases=("year",)),
            *[Column(v, "float", aliases=(k,), description=f"KWB/StatLine column {k}") for k, v in KWB_COLUMNS.items()],
        ],
        key=code,
        description=f"one row per {level} and year",
    )


INDICATOREN_2022_SCHEMA = Schema(
    "CBS 85098NED youth-care indicators",
    [
        Column("gemeentenaam_statline", "str", aliases=("Regio's",)),
        Column("periode", "str", aliases=("Perioden",)),
        Column("perc_jeugdhulp_in_natura", "share",
               aliases=("Jongeren met jeugdhulp in natura (% (zie toelichting))",)),
        Column("perc_jeugdhulp_met_verblijf", "share",
               aliases=("Jongeren met jeugdh. met verbl. in nat. (% (zie toelichting))",)),
        Column("perc_jeugdbescherming", "share",
               aliases=("Jongeren met jeugdbescherming (% (zie toelichting))",)),
        Column("perc_jb_en_verblijf", "share",
               aliases=("Jeugdbesch. en jeugdh. met verbl. in nat (% (zie toelichting))",)),
        Column("perc_jeugdreclassering", "share",
               aliases=("Jongeren met jeugdreclassering (% (zie toelichting))",)),
    ],
    description="one row per gemeente (StatLine names) and period",
)  # fmt: skip

#: StatLine labels of the Amsterdam KWB 2017 export → readable names.
AMSTERDAM_KWB_2017_COLUMNS: dict[str, str] = {
    "Regioaanduiding.Codering..code.": "wijkcode",
    "Wijken.en.buurten": "wijknaam",
    "Regioaanduiding.Soort.regio..omschrijving.": "soort_regio",
    "Bevolking.Aantal.inwoners..aantal.": "inwoners",
    "Bevolking.Burgerlijke.staat.Gescheiden..aantal.": "gescheiden",
    "Bevolking.Particuliere.huishoudens.Huishoudens.met.kinderen..aantal.": "huishoudens_met_kinderen",
    "Bevolking.Particuliere.huishoudens.Huishoudens.totaal..aantal.": "huishoudens",
    "Wonen.Gemiddelde.WOZ.waarde.van.woningen..x.1.000.euro.": "woz_waarde_x1000",
    "Sociale.zekerheid.Personen.per.soort.uitkering..Bijstand..aantal.": "bijstand",
    "Nabijheid.voorzieningen.Afstand.tot.huisartsenpraktijk..km.": "afstand_huisarts",
    "Nabijheid.voorzieningen.Afstand.tot.grote.supermarkt..km.": "afstand_supermarkt",
    "Nabijheid.voorzieningen.Afstand.tot.kinderdagverblijf..km.": "afstand_kinderdagverblijf",
    "Nabijheid.voorzieningen.Basisonderwijs.Afstand.tot.school..km.": "afstand_school",
    "Nabijheid.voorzieningen.Basisonderwijs.Scholen.binnen.3.km..aantal.": "scholen_binnen_3km",
    "Criminaliteit.Totaal.diefstal.uit.woning.schuur.e.d...per.1.000.inwoners.": "diefstal_per_1000",
    "Criminaliteit.Vernieling..misdrijf.tegen.openbare.orde..per.1.000.inwoners.": "vernieling_per_1000",
    "Criminaliteit.Gewelds..en.seksuele.misdrijven..per.1.000.inwoners.": "geweld_per_1000",
    "Stedelijkheid.Mate.van.stedelijkheid..code.": "stedelijkheid",
}

AMSTERDAM_KWB_2017_SCHEMA = Schema(
    "CBS 83765NED KWB 2017 Amsterdam (wijk rows)",
    [
        Column("wijkcode", "code:wijk", aliases=("Regioaanduiding.Codering..code.",)),
        Column("wijknaam", "str", aliases=("Wijken.en.buurten",)),
        Column("soort_regio", "str", aliases=("Regioaanduiding.Soort.regio..omschrijving.",)),
        *[Column(v, "float", aliases=(k,)) for k, v in AMSTERDAM_KWB_2017_COLUMNS.items()
          if v not in ("wijkcode", "wijknaam", "soort_regio")],
    ],
    key="wijkcode",
    description="one row per Amsterdam wijk, 2017 boundaries",
)  # fmt: skip


_LBM_DIMENSIONS = {
    "afw": "deviation of the total liveability score from the Dutch mean",
    "won": "woningvoorraad (housing stock)",
    "fys": "fysieke omgeving (physical environment)",
    "vrz": "voorzieningen (facilities)",
    "soc": "sociale samenhang (social cohesion)",
    "onv": "overlast en onveiligheid (nuisance and safety; higher = safer)",
}
# the published scores lie well within -1..1; a value outside means a damaged or rescaled file
_LBM_SCORE_COLUMNS = [
    Column(k, "float", min=-1, max=1, nullable=False, description=f"Leefbaarometer 3.0 score: {v}")
    for k, v in _LBM_DIMENSIONS.items()
]

LEEFBAAROMETER_BUURT_SCHEMA = Schema(
    "Leefbaarometer 3.0 buurt scores 2024",
    [
        # CBS buurt codes may hold capitals (Amsterdam: BU0363AA01), which the code kind refuses: checked by the loader
        Column("buurtcode", "str", aliases=("code",), nullable=False, description="CBS buurt code, 2024 boundaries"),
        *_LBM_SCORE_COLUMNS,
    ],
    key="buurtcode",
    description="one row per published buurt (2024 boundaries)",
)

LEEFBAAROMETER_GEMEENTE_SCHEMA = Schema(
    "Leefbaarometer 3.0 gemeente scores 2024",
    [
        Column("gemeentecode", "code:gemeente", aliases=("code",), description="CBS gemeente code, 2024 boundaries"),
        Column("gemeentenaam", "str", aliases=("naam",), nullable=False),
        *_LBM_SCORE_COLUMNS,
    ],
    key="gemeentecode",
    description="one row per gemeente (2024 boundaries)",
)

ELAN_GEMEENTE_SCHEMA = Schema(
    "ELAN/LUMC jeugdhulp per gemeente",
    [
        Column("gemeentecode", "code:gemeente", aliases=("GMC",)),
        Column("gemeentenaam", "str", aliases=("GMN",), nullable=False),
        Column("jaar", "int", aliases=("YEAR",), min=2015, max=2022),
        Column("inwoners", "count", aliases=("Total_All_Pop",), nullable=False, description="all residents"),
        Column("aandeel_0_20", "float", aliases=("0to20",), min=0, max=1, description="share aged 0-20 (fraction)"),
        Column("jeugdhulp_gebruikers", "count", aliases=("JGDHULP_user",), nullable=False,
               description="persons with jeugdhulp in the year (CBS JGDHULPBUS)"),
    ],
    key=("gemeentecode", "jaar"),
    description="one row per gemeente and year (ELAN output from CBS microdata)",
)  # fmt: skip

ELAN_WIJK_SCHEMA = Schema(
    "ELAN/LUMC jeugdhulp per wijk",
    [
        Column("wijkcode", "code:wijk", aliases=("WKC",)),
        Column("gemeentenaam", "str", aliases=("GMN",), nullable=False),
        Column("wijknaam", "str", aliases=("Wijknaam",), nullable=False),
        Column("jaar", "int", aliases=("YEAR",), min=2015, max=2022),
        Column("inwoners", "count", aliases=("Total_Population",), nullable=False),
        Column("aandeel_0_20", "float", aliases=("%_0to20",), min=0, max=1, description="share aged 0-20 (fraction)"),
        Column("aandeel_jeugdhulp", "float", aliases=("%_JGDHULP_user",), min=0, max=1, nullable=False,
               description="persons with jeugdhulp as a fraction of ALL residents"),
    ],
    key=("wijkcode", "jaar"),
    description="one row per wijk and year (ELAN output from CBS microdata)",
)  # fmt: skip
