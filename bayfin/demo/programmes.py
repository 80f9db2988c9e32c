"""The demo's policy programmes and the applications enterprises made to them.

Three programmes of the kinds the region runs for sci-tech enterprises: an interest
subsidy on sci-tech loans in Hengqin, a credit risk-compensation pool for banks lending
to sci-tech SMEs, and a subsidy for sci-tech enterprises that issue bonds. They are
written in our own words and say so: each is a demo programme *modelled on* the kind of
programme the region runs, not an official text, with made-up rates and caps.

Pure data: ``programme_data(today)`` gives the input of
``bayfin.evaluation.services.programme_create`` (the loader creates them through it, as
the operator, so they are validated and audited); ``application_plan`` chooses, from the
enterprises each programme finds eligible, the few applications the operator's queue
starts with.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

INTEREST_SUBSIDY = "hengqin-scitech-loan-interest-subsidy"
RISK_POOL = "zhuhai-hengqin-scitech-credit-risk-pool"
BOND_SUBSIDY = "scitech-bond-issuance-subsidy"

MAINLAND_GBA = ["hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"]
_DEMO_SOURCE = ("Demo programme written for BayFin, modelled on the kind of {kind} the Guangdong-Hong Kong-Macao "
                "Greater Bay Area runs for sci-tech enterprises. Not an official text: the conditions, rates and "
                "caps are illustrative; the real programmes are published by the competent authorities.")


def _sci_tech_status(*certificates: str) -> dict[str, Any]:
    """Qualifies as a sci-tech SME now, or holds one of ``certificates``."""
    return {"or": [{"==": [{"var": "evaluation.scitech_sme.status"}, "qualified"]},
                   *({"in": [kind, {"var": "enterprise.certifications"}]} for kind in certificates)]}


def _certified(*certificates: str) -> dict[str, Any]:
    return {"or": [{"in": [kind, {"var": "enterprise.certifications"}]} for kind in certificates]}


PROGRAMMES: tuple[dict[str, Any], ...] = (
    {
        "code": INTEREST_SUBSIDY,
        "name_en": "Hengqin sci-tech loan interest subsidy (demo)",
        "name_zh_hans": "横琴科技型企业贷款贴息（演示）",
        "name_zh_hant": "橫琴科技型企業貸款貼息（演示）",
        "name_pt": "Bonificação de juros de empréstimos a empresas tecnológicas de Hengqin (demonstração)",
        "benefit_en": (
            "A demo programme, modelled on the interest subsidies Hengqin offers sci-tech enterprises. "
            "For a bank loan used in the enterprise's research, production or operations in Hengqin, the "
            "programme pays back half of the interest paid in the year, counted at no more than the one-year "
            "loan prime rate, up to RMB 1,000,000 per enterprise per year. Claimed once a year with the loan "
            "contract and the interest receipts."),
        "benefit_zh_hans": (
            "本项目为演示项目，参照横琴对科技型企业的贷款贴息政策设计。企业在横琴用于研发、生产或经营的银行贷款，"
            "按当年实际支付利息的50%给予补贴，计息利率不超过一年期贷款市场报价利率（LPR），每家企业每年最高"
            "人民币100万元。每年凭贷款合同和付息凭证申请一次。"),
        "benefit_zh_hant": (
            "本項目為演示項目，參照橫琴對科技型企業的貸款貼息政策設計。企業在橫琴用於研發、生產或經營的銀行貸款，"
            "按當年實際支付利息的50%給予補貼，計息利率不超過一年期貸款市場報價利率（LPR），每家企業每年最高"
            "人民幣100萬元。每年憑貸款合同和付息憑證申請一次。"),
        "benefit_pt": (
            "Programa de demonstração, inspirado nas bonificações de juros que Hengqin oferece às empresas "
            "tecnológicas. Para um empréstimo bancário usado em investigação, produção ou operações em Hengqin, o "
            "programa reembolsa metade dos juros pagos no ano, calculados no máximo à taxa LPR a um ano, até "
            "RMB 1 000 000 por empresa e por ano. Pedido uma vez por ano, com o contrato de empréstimo e os "
            "comprovativos de pagamento dos juros."),
        "sponsor": "Hengqin Guangdong-Macao In-Depth Cooperation Zone, sci-tech finance desk (demo)",
        "policy_source": _DEMO_SOURCE.format(kind="loan interest subsidy"),
        # In Hengqin; a sci-tech SME now or an HNTE certificate; tech staff at least 10% of employees.
        "rule": {"and": [
            {"==": [{"var": "enterprise.jurisdiction"}, "hengqin"]},
            _sci_tech_status("hnte"),
            {">=": [{"var": "enterprise.tech_staff_share"}, 10]},
        ]},
        "cap_amount": "1000000.00",
        "cap_currency": "CNY",
    },
    {
        "code": RISK_POOL,
        "name_en": "Zhuhai-Hengqin sci-tech credit risk-compensation pool (demo)",
        "name_zh_hans": "珠海横琴科技信贷风险补偿资金池（演示）",
        "name_zh_hant": "珠海橫琴科技信貸風險補償資金池（演示）",
        "name_pt": "Fundo de compensação de risco de crédito tecnológico Zhuhai-Hengqin (demonstração)",
        "benefit_en": (
            "A demo programme, modelled on the sci-tech credit risk-compensation pools the region's cities run. "
            "A public pool compensates partner banks for part of their losses on loans to eligible sci-tech "
            "SMEs (here 40% of the principal lost), so that the banks lend on the enterprise's technology and "
            "credit rather than on collateral. An admitted enterprise is entered on the pool's list; loans of "
            "up to RMB 10,000,000 per enterprise are covered. The benefit is easier credit, not a payment to "
            "the enterprise."),
        "benefit_zh_hans": (
            "本项目为演示项目，参照大湾区城市设立的科技信贷风险补偿资金池设计。资金池对合作银行向符合条件的科技型"
            "中小企业发放贷款所产生的损失给予部分补偿（本演示为本金损失的40%），使银行能够依据企业的技术和信用"
            "而非抵押物放贷。获准入的企业列入资金池名单，每家企业最高人民币1000万元的贷款纳入补偿范围。"
            "受益方式为更易获得贷款，而非直接向企业付款。"),
        "benefit_zh_hant": (
            "本項目為演示項目，參照大灣區城市設立的科技信貸風險補償資金池設計。資金池對合作銀行向符合條件的科技型"
            "中小企業發放貸款所產生的損失給予部分補償（本演示為本金損失的40%），使銀行能夠依據企業的技術和信用"
            "而非抵押物放貸。獲准入的企業列入資金池名單，每家企業最高人民幣1000萬元的貸款納入補償範圍。"
            "受益方式為更易獲得貸款，而非直接向企業付款。"),
        "benefit_pt": (
            "Programa de demonstração, inspirado nos fundos de compensação de risco de crédito tecnológico das "
            "cidades da região. Um fundo público compensa os bancos parceiros por parte das perdas em "
            "empréstimos a PME tecnológicas elegíveis (aqui 40% do capital perdido), para que os bancos "
            "emprestem com base na tecnologia e no crédito da empresa e não em garantias. A empresa admitida "
            "entra na lista do fundo; ficam cobertos empréstimos até RMB 10 000 000 por empresa. O benefício é "
            "um acesso mais fácil ao crédito, não um pagamento à empresa."),
        "sponsor": "Zhuhai sci-tech credit risk-compensation fund (demo)",
        "policy_source": _DEMO_SOURCE.format(kind="credit risk-compensation pool"),
        # Mainland Greater Bay Area; at most 500 staff and RMB 200 million of sales; a sci-tech SME now,
        # or an HNTE or SRDI ("specialised, refined, distinctive, innovative") certificate.
        "rule": {"and": [
            {"in": [{"var": "enterprise.jurisdiction"}, MAINLAND_GBA]},
            {"<=": [{"var": "enterprise.employees"}, 500]},
            _sci_tech_status("hnte", "srdi"),
            {"<=": [{"var": "enterprise.revenue_cny"}, 200_000_000]},
        ]},
        "cap_amount": "10000000.00",
        "cap_currency": "CNY",
    },
    {
        "code": BOND_SUBSIDY,
        "name_en": "Sci-tech enterprise bond issuance subsidy (demo)",
        "name_zh_hans": "科技企业发债融资补贴（演示）",
        "name_zh_hant": "科技企業發債融資補貼（演示）",
        "name_pt": "Subsídio à emissão de obrigações por empresas tecnológicas (demonstração)",
        "benefit_en": (
            "A demo programme, modelled on the bond-financing subsidies offered in the region to sci-tech "
            "enterprises that raise money in the bond market. An enterprise that issues a bond (including a "
            "sci-tech innovation bond) receives 1% of the amount issued towards underwriting, rating, "
            "guarantee and listing fees, up to RMB 2,000,000 per enterprise per year. For established "
            "enterprises: an HNTE or SRDI certificate, sales of at least RMB 100 million in the latest year "
            "and three years in operation."),
        "benefit_zh_hans": (
            "本项目为演示项目，参照大湾区对通过债券市场融资的科技企业给予的发债补贴设计。企业发行债券（含科技"
            "创新债券）的，按实际发行金额的1%给予补贴，用于承销、评级、担保和挂牌等费用，每家企业每年最高"
            "人民币200万元。适用于具有一定规模的企业：持有高新技术企业或专精特新证书、上一年度销售收入不低于"
            "人民币1亿元、经营满三年。"),
        "benefit_zh_hant": (
            "本項目為演示項目，參照大灣區對通過債券市場融資的科技企業給予的發債補貼設計。企業發行債券（含科技"
            "創新債券）的，按實際發行金額的1%給予補貼，用於承銷、評級、擔保和掛牌等費用，每家企業每年最高"
            "人民幣200萬元。適用於具有一定規模的企業：持有高新技術企業或專精特新證書、上一年度銷售收入不低於"
            "人民幣1億元、經營滿三年。"),
        "benefit_pt": (
            "Programa de demonstração, inspirado nos subsídios que a região concede às empresas tecnológicas "
            "que se financiam no mercado de obrigações. A empresa que emite obrigações (incluindo obrigações de "
            "inovação tecnológica) recebe 1% do montante emitido para custos de colocação, notação, garantia e "
            "admissão à negociação, até RMB 2 000 000 por empresa e por ano. Para empresas estabelecidas: "
            "certificado HNTE ou SRDI, vendas de pelo menos RMB 100 milhões no último ano e três anos de "
            "atividade."),
        "sponsor": "Greater Bay Area sci-tech bond desk (demo)",
        "policy_source": _DEMO_SOURCE.format(kind="bond issuance subsidy"),
        "rule": {"and": [
            _certified("hnte", "srdi"),
            {">=": [{"var": "enterprise.revenue_cny"}, 100_000_000]},
            {">=": [{"var": "enterprise.years_operating"}, 3]},
        ]},
        "cap_amount": "2000000.00",
        "cap_currency": "CNY",
    },
)
CODES: tuple[str, ...] = tuple(p["code"] for p in PROGRAMMES)


def programme_data(today: date) -> list[dict[str, Any]]:
    """The programmes as ``programme_create`` takes them: open since the start of the year
    before ``today``'s month (so open on ``today``) until the end of next year."""
    opens = date(today.year, 1, 1) if today.month > 1 else date(today.year - 1, 7, 1)
    return [{**p, "active_from": opens.isoformat(), "active_until": date(today.year + 1, 12, 31).isoformat()}
            for p in PROGRAMMES]


# --------------------------------------------------------------------------- applications


@dataclass(frozen=True)
class ApplicationPlan:
    programme: str
    enterprise_index: int
    status: str  # "submitted", "approved" or "rejected"
    amount: Decimal
    note: str
    days_ago: int  # submitted this many days before the data set's day
    decision_note: str = ""
    amount_granted: Decimal | None = None


# What each programme's applicants ask for (RMB, in tens of thousands) and say.
_ASKS: dict[str, tuple[int, int, str]] = {
    INTEREST_SUBSIDY: (12, 60, "Interest paid this year on our working-capital loan from a partner bank; "
                               "loan contract and receipts attached."),
    RISK_POOL: (200, 800, "We are negotiating a credit loan without collateral with a partner bank and ask "
                          "to be admitted to the pool for it."),
    BOND_SUBSIDY: (50, 150, "Subsidy for the fees of the bond we issued this year; the prospectus and fee "
                            "invoices are attached."),
}
_REJECTION = ("The loan contract attached was signed before the programme opened; only interest on loans "
              "drawn while it is open can be subsidised. You may apply again for a new loan.")
TARGET_APPLICATIONS = 6


def application_plan(eligible: Mapping[str, Sequence[int]], *, seed: int = 0) -> list[ApplicationPlan]:
    """About six applications from the enterprises each programme finds eligible (by index,
    the demo enterprise already left out): taken in turn from each programme, spread over
    its list; the first to the interest subsidy is approved, one to the risk pool approved,
    the second to the interest subsidy rejected, the others wait for the operator."""
    picks: list[tuple[str, int]] = []
    queues = {code: _spread(sorted(eligible.get(code, ())), TARGET_APPLICATIONS) for code in CODES}
    used: set[tuple[str, int]] = set()
    while len(picks) < TARGET_APPLICATIONS and any(queues.values()):
        for code in CODES:
            while queues[code] and len(picks) < TARGET_APPLICATIONS:
                index = queues[code].pop(0)
                if (code, index) not in used:
                    used.add((code, index))
                    picks.append((code, index))
                    break
    plans = []
    seen: dict[str, int] = {}
    for n, (code, index) in enumerate(picks):
        rng = random.Random(f"{seed}:application:{code}:{index}")
        low, high, note = _ASKS[code]
        amount = Decimal(rng.randint(low, high) * 10_000)
        nth = seen[code] = seen.get(code, 0) + 1
        status, decision, granted = "submitted", "", None
        if code == INTEREST_SUBSIDY and nth == 1 or code == RISK_POOL and nth == 1:
            status, decision, granted = "approved", "Conditions met; the documents are complete.", amount
        elif code == INTEREST_SUBSIDY and nth == 2:
            status, decision = "rejected", _REJECTION
        plans.append(ApplicationPlan(code, index, status, amount, note, days_ago=3 + 9 * n + rng.randint(0, 6),
                                     decision_note=decision, amount_granted=granted))
    return plans


def _spread(items: list[int], count: int) -> list[int]:
    """Up to ``count`` items taken evenly across ``items`` (not just the first few)."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(k * step)] for k in range(count)]
