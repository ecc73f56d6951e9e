# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Trajecten en kosten: duur, verlengingen, zorgpaden en kostengroei
#
# Waarom stijgen de kosten van jeugdhulp? AEF (*Stelsel in groei*, 2020) vond dat de kosten
# vooral stijgen doordat **trajecten langer duren** (de uitstroom blijft achter) en doordat de
# **kosten per cliënt per jaar** toenemen, niet doordat de instroom groeit. Het onderzoek in
# Sittard-Geleen zag hetzelfde bij begeleiding en behandeling: trajecten duren langer, volgen
# elkaar op en worden vaak verlengd, zelden afgeschaald. BMC (2025) adviseert gemeenten te sturen
# op behandelduur en verlengingen en die cijfers te delen met verwijzers en aanbieders
# ("tellen en vertellen").
#
# Dit notebook laat zien hoe je die vragen beantwoordt met de gegevens die een gemeente zelf
# heeft: de iJw-berichten (toewijzingen JW301, start en stop zorg JW305/JW307, declaraties JW323).
#
# **Let op:** met `data = "simulated"` gebruikt dit notebook **SYNTHETISCHE gegevens**
# (`simulate_trajectories`): verzonnen cliënten, aanbieders en gemeenten (codes GM9901–GM9903)
# met plausibele vormen maar zonder enige echte waarde. Geef voor echte analyses het pad naar
# een trajectbestand (en een declaratiebestand) op.
#
# Alle berekeningen gebeuren in `jeugdlib.trajectories`; elke tabel gaat door de publicatiegrens
# `jeugdlib.publication.Publication` (kleiner dan 10 weggelaten, de rest afgerond op 5, secundaire
# afscherming met een intervalcontrole, percentages op de afgeronde aantallen).

# %% tags=["parameters"]
data = "simulated"  # of een pad naar een trajectbestand (CSV, Excel, parquet)
claims_path = None  # pad naar het declaratiebestand (verplicht bij echte gegevens)
gemeente = "GM9901"  # None = alle gemeenten in het bestand
base_year = 2019
end_year = 2023
as_of = "2023-12-31"  # peildatum: lopende trajecten worden op deze datum gecensureerd
observed_from = "2018-01-01"  # eerste datum van het extract
scenario = "longer_durations"  # alleen voor gesimuleerde gegevens: "baseline" of "longer_durations"
n_clients = 20000
seed = 2020

# %%
import warnings

from IPython.display import display

import jeugdlib.trajectories as T
from jeugdlib.plots import trajectories as P
from jeugdlib.publication import Publication
from jeugdlib.trajectories import tables

warnings.filterwarnings("ignore", category=FutureWarning)
labels = T.code_labels("productcategorie")
# Alles wat dit notebook toont, gaat door één publicatiegrens: aantallen onder 10 weggelaten, de rest
# afgerond op 5, secundaire afscherming met een intervalcontrole, percentages op de afgeronde aantallen.
pub = Publication()

# %% [markdown]
# ## 1. Gegevens laden en controleren
#
# `load_trajectories` controleert het bestand: einddatum vóór begindatum, datums in de toekomst,
# onbekende codes, dubbele regels en waarden die op een BSN lijken (die worden geweigerd, of
# alleen op verzoek gepseudonimiseerd met een geheime sleutel: HMAC-SHA-256; pseudonimisering, geen
# anonimisering). Overlappende trajecten van dezelfde
# vorm bij dezelfde aanbieder worden samengevoegd (CBS-regel).

# %%
if data == "simulated":
    sim = T.simulate_trajectories(n_clients, observed_from, as_of, seed=seed, scenario=scenario)
    raw_traj, raw_claims = sim.trajectories, sim.claims
    print(sim.description)
else:
    raw_traj, raw_claims = data, claims_path
# read_trajectories geeft de tabel met het controleverslag en de peildatum/begindatum van het extract
traj = T.read_trajectories(raw_traj, as_of=as_of, observed_from=observed_from)
claims = T.read_claims(raw_claims, as_of=as_of) if raw_claims is not None else None
print(traj.report.summary())
if gemeente is not None:
    traj = traj.subset(traj.table["gemeentecode"] == gemeente)
print(f"Gemeente: {gemeente or 'alle'}; toewijzingen na samenvoegen: {len(traj):,}".replace(",", "."))

# %% [markdown]
# ## 2. Hoe lang duren trajecten?
#
# Een traject is hier een toewijzing met haar verlengingen: opeenvolgende toewijzingen van
# dezelfde cliënt, aanbieder en productcategorie (hooguit 7 dagen ertussen). Trajecten die op de
# peildatum nog lopen, zijn *gecensureerd*: we weten alleen dat ze minstens zo lang duren. De
# Kaplan–Meier-schatter houdt daar rekening mee; het gewone gemiddelde over beëindigde
# trajecten (het CBS-cijfer) onderschat de duur. De *beperkte gemiddelde duur* (RMST) is de
# gemiddelde duur binnen de eerste vier jaar.

# %%
dur = T.durations(traj, by="productcategorie")
dur_all = T.durations(traj)
# beëindigd + lopend = totaal, en het totaal van alle categorieën: de publicatiegrens kent die relaties
tables.durations_table(dur, pub, total=dur_all, labels=labels).table.round(0)

# %%
fig = dur.plot(groups=["51", "45", "54", "41", "43", "44"])

# %% [markdown]
# De mediane duur met haar 95%-betrouwbaarheidsinterval (Kaplan–Meier; lifelines geeft geen
# standaardfout voor de mediaan). Ook hier gaan de aantallen eerst door de publicatiegrens.

# %%
tables.median_table(dur, pub, labels=labels).table.round(0)

# %% [markdown]
# De duurklassen die CBS en BMC gebruiken (0–3 maanden … meer dan 4 jaar). De Kaplan–Meier-verdeling
# telt ook de lopende trajecten mee.

# %%
tables.buckets_table(dur_all, pub).table.round(1)

# %%
fig = P.plot_duration_buckets(dur_all)

# %% [markdown]
# **Trend naar startjaar.** Worden trajecten langer? Latere startjaren hebben minder tijd gehad om
# te eindigen; Kaplan–Meier corrigeert daarvoor, maar voor de laatste jaren blijft de schatting
# onzeker. De beperkte gemiddelde duur over vier jaar is alleen te schatten als de trajecten lang
# genoeg gevolgd zijn; die over het eerste jaar ook voor recente startjaren.

# %%
tables.trend_table(dur_all, pub).table.round(0)

# %% [markdown]
# Een toets op de trend: een Cox-model met het startjaar als verklarende variabele (dezelfde
# linkse afkapping als Kaplan–Meier). Een hazard ratio onder 1 betekent dat trajecten van latere
# startjaren langzamer eindigen, dus langer duren.

# %%
print(dur_all.trend_test())

# %% [markdown]
# ## 3. Verlengingen
#
# Een verlenging is een aansluitende nieuwe toewijzing (of een toewijzing met reden wijziging 04,
# *herbeoordeling: verlenging*). BMC waarschuwt voor "verlenging op verlenging".

# %%
ext = T.extensions(traj)
ext_tab = tables.extensions_table(ext, pub, labels=labels)
ext_tab.table.round(1)

# %% [markdown]
# Het aandeel verlengde trajecten met een 95%-interval (Wilson; blijft tussen 0 en 1, ook bij
# kleine groepen). Het interval is berekend op de gepubliceerde, afgeronde aantallen: een interval op de
# exacte aantallen zou die aantallen terug laten rekenen.

# %%
tables.share_interval_table(
    ext_tab, pub, count="Aantal verlengd", total="Aantal trajecten", label="Productcategorie", name="verlengd_interval"
).table.round(1)

# %% [markdown]
# ## 4. Zorgpaden
#
# Volgen trajecten elkaar op? De overgangstabel telt per traject wat er daarna kwam: een volgend
# traject (per productcategorie), *uit zorg* (minstens een jaar geen nieuw traject), *lopend* of
# *onbekend* (te kort geleden beëindigd om te weten).

# %%
paths = T.care_paths(traj)
print(f"Aandeel cliënten met meer dan één traject: {paths.share_sequential:.1%}")
trans = tables.transitions_table(paths.transitions, pub, labels=labels).table
# de figuur toont de gepubliceerde (afgeschermde, afgeronde) aantallen
fig = P.plot_transitions(
    trans.set_index(paths.transitions.index)[[c for c in trans.columns if c.startswith("Aantal naar ")]].set_axis(
        paths.transitions.columns, axis=1
    )
)

# %%
tables.common_paths_table(paths.common_paths, pub).table

# %% [markdown]
# **Afschalen.** Hoe vaak gaat een cliënt na een beëindigd traject naar lichtere zorg of uit zorg?
# (Intensiteit van productcategorieën is een jeugdlib-indeling, zie `codelists()`.)

# %%
sd = tables.scale_down_table(paths.scale_down, pub, labels=labels)
display(sd.table)
tables.scale_down_rates(sd).round(1)  # percentages op de gepubliceerde aantallen

# %% [markdown]
# ## 5. Instroom, uitstroom en lopende trajecten
#
# Per jaar geldt precies: lopend aan het eind = lopend aan het begin + instroom − uitstroom, en lopend aan
# het begin = lopend aan het eind van het jaar ervoor. De publicatiegrens kent die relaties: een weggelaten
# aantal is er niet uit terug te rekenen. (Na afronding op vijftallen klopt de som niet altijd meer exact.)

# %%
fl = T.flows(traj, "year")
flp = tables.flows_table(fl, pub).table
display(flp.round(0))

# %%
fig = P.plot_flows(
    flp.set_index(fl.index)[["Aantal lopend begin", "Aantal instroom", "Aantal uitstroom", "Aantal lopend eind"]]
    .set_axis(["stock_start", "inflow", "outflow", "stock_end"], axis=1)
    .assign(complete=fl["complete"])
)

# %% [markdown]
# ## 6. Waardoor stijgen de kosten?
#
# Kosten = aantal cliënten × zorgmaanden per cliënt × kosten per zorgmaand. De
# log-mean-Divisia-ontleding (LMDI) verdeelt de kostengroei exact over deze drie delen: de drie
# effecten tellen precies op tot de totale verandering. Een groot effect van *zorgmaanden per
# cliënt* is de AEF-bevinding: de kosten stijgen doordat trajecten langer duren.
#
# Let bij het lezen op het verband met paragraaf 5: stijgt het aantal cliënten in zorg terwijl de
# instroom vlak blijft, dan komt ook die stijging door achterblijvende uitstroom (cliënten blijven
# langer en tellen in meer jaren mee), niet door meer nieuwe cliënten.

# %%
if claims is not None:
    cost = T.cost_decomposition(traj, claims, base_year, end_year, unmatched="ignore")
    # aantallen cliënten beschermd; bedragen per cliënt en de ontleding op de afgeronde aantallen
    yearly, effects = tables.cost_tables(cost, pub)
    display(yearly.table.round(1))
    display(effects.table.round(3))
    print(f"Controle: som van de effecten − totale verandering = {cost.check_additivity():.2e} euro")
    fig = cost.plot()
else:
    print("Geen declaratiebestand opgegeven: de kostenontleding wordt overgeslagen.")

# %% [markdown]
# ## 7. Tellen en vertellen: cijfers per aanbieder
#
# Per aanbieder: aantal cliënten, mediane duur, aandeel verlengde trajecten en aandeel volgens plan
# beëindigd. De tabel is beschermd (kleine aantallen onderdrukt, percentages op onderdrukte
# aantallen ook). Zulke cijfers zijn een startpunt voor het gesprek met aanbieders en verwijzers,
# geen oordeel: verschillen kunnen komen door een andere cliëntpopulatie.

# %%
tables.provider_table(T.provider_indicators(traj, protected=False), pub).table.round(1)
