"""Ready-made keyword packs a workspace can switch on (Settings → Compliance).

Matched like every keyword that is not one of the article's three: as the
whole message (after normalisation), ignoring case and accents, so ARRET and
ARRÊT are the same word and "Baja la música" is not an opt-out (it goes to
review). Opt-in words are deliberately few: a false opt-in texts someone who
asked not to be texted. The carrier/FCC opt-out words are always on
(``optouts.keywords.CARRIER_OPT_OUT``), so the US pack holds only opt-in words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pack:
    id: str
    name: str
    description: str
    opt_out: tuple[str, ...]
    opt_in: tuple[str, ...] = ()


PACKS: tuple[Pack, ...] = (
    Pack(
        id="us_carrier",
        name="US carrier and FCC words",
        description=(
            "START, YES and UNSTOP opt back in, as US carriers (CTIA) expect. Their opt-out words"
            " (STOPALL, END, CANCEL, QUIT, REVOKE, OPT OUT) are always on, with or without this pack."
        ),
        opt_out=(),
        opt_in=("START", "YES", "UNSTOP"),
    ),
    Pack(
        id="french",
        name="French",
        description="Arrêt, désabonnement.",
        opt_out=("ARRET", "ARRÊT", "ARRÊTER", "DÉSABONNER", "DÉSINSCRIRE"),
        opt_in=("ABONNER",),
    ),
    Pack(
        id="spanish",
        name="Spanish",
        description="Baja, alto; Alta to sign up again.",
        opt_out=("BAJA", "ALTO", "PARAR", "CANCELAR"),
        opt_in=("ALTA", "SUSCRIBIR"),
    ),
    Pack(
        id="german",
        name="German",
        description="Stopp, abmelden; anmelden to sign up again.",
        opt_out=("STOPP", "ABMELDEN", "BEENDEN"),
        opt_in=("ANMELDEN",),
    ),
)
PACKS_BY_ID: dict[str, Pack] = {pack.id: pack for pack in PACKS}
