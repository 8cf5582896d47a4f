"""Ready-made keyword packs a workspace can switch on (Settings → Compliance).

Matched like every keyword (start of the trimmed message, whole word) and,
being typed by people on many keyboards, ignoring case and accents, so
ARRET and ARRÊT are the same word. Opt-in words are deliberately few: a false
opt-in texts someone who asked not to be texted.
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
        description="The words US carriers (CTIA) and the FCC's revocation rule treat as opting out or back in.",
        opt_out=("STOPALL", "END", "QUIT", "CANCEL", "REVOKE", "OPTOUT", "OPT OUT"),
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
