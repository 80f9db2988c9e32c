"""The reference data the platform seeds: cross-border channels and the limits' parameters.

Pure data: no Django, no database. ``CHANNELS`` holds one dict per ``fx.models.Channel``
(its fields, less ``active``); ``LIMIT_PARAMETER_SETS`` one dict per
``fx.models.LimitParameterSet``, oldest first (``LIMIT_PARAMETERS`` is the one in force).
Operators maintain both afterwards; this is only the starting point, described in our
own words from public policy, with the sources cited in ``policy_source`` / ``source``.
Every number is a ``Decimal`` (or a whole number of months), never a float.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

_MAINLAND_GBA = ["hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"]
_LOANS = ["credit_loan", "ip_pledge_loan", "equity_pledge_loan", "guaranteed_loan", "venture_debt"]
_ALL_INSTRUMENTS = [
    "equity", "convertible", "credit_loan", "ip_pledge_loan", "equity_pledge_loan", "guaranteed_loan",
    "venture_debt", "financial_leasing", "factoring", "guarantee", "bond",
]

CHANNELS: list[dict[str, Any]] = [
    {
        "code": "domestic-mainland",
        "name_en": "Domestic financing (Mainland)",
        "name_zh_hans": "境内融资（内地）",
        "name_zh_hant": "境內融資（內地）",
        "name_pt": "Financiamento interno (Interior da China)",
        "notes_en": (
            "Ordinary financing inside the Mainland: a Mainland bank, fund or other institution finances a "
            "Mainland enterprise in renminbi. No cross-border rule applies and the platform checks no "
            "cross-border limit; the institution's own credit process and Mainland regulation apply."
        ),
        "notes_zh_hans": (
            "内地境内的普通融资：内地银行、基金或其他机构以人民币为内地企业提供融资。"
            "不涉及跨境规则，平台不检查跨境融资额度；适用机构自身的授信流程和内地监管规定。"
        ),
        "notes_zh_hant": (
            "內地境內的普通融資：內地銀行、基金或其他機構以人民幣為內地企業提供融資。"
            "不涉及跨境規則，平台不檢查跨境融資額度；適用機構自身的授信流程和內地監管規定。"
        ),
        "notes_pt": (
            "Financiamento corrente dentro do Interior da China: um banco, fundo ou outra instituição do "
            "Interior da China financia uma empresa do Interior da China em renminbi. Não se aplica qualquer "
            "regra transfronteiriça e a plataforma não verifica limites de financiamento transfronteiriço; "
            "aplicam-se o processo de crédito da própria instituição e a regulamentação do Interior da China."
        ),
        "from_jurisdictions": list(_MAINLAND_GBA),
        "to_jurisdictions": list(_MAINLAND_GBA),
        "instruments": list(_ALL_INSTRUMENTS),
        "lender_currencies": ["CNY"],
        "borrower_currencies": ["CNY"],
        "conditions": [],
        "documents": [],
        "limit_rule": "none",
        "policy_source": (
            "No cross-border rule: domestic financing.\n"
            "Commercial Banking Law of the PRC (中华人民共和国商业银行法); banks and other financial "
            "institutions supervised by the National Financial Regulatory Administration (国家金融监督管理总局)."
        ),
        "priority": 10,
    },
    {
        "code": "domestic-macao",
        "name_en": "Local financing (Macao)",
        "name_zh_hans": "澳门本地融资",
        "name_zh_hant": "澳門本地融資",
        "name_pt": "Financiamento local (Macau)",
        "notes_en": (
            "Local financing in Macao: a Macao institution finances a Macao enterprise. Patacas, Hong Kong "
            "dollars, renminbi, US dollars and euros all circulate in the Macao banking system, so any of "
            "them may be lent and received. No cross-border limit applies; Macao's financial-system law and "
            "the supervision of the Monetary Authority of Macao (AMCM) do."
        ),
        "notes_zh_hans": (
            "澳门本地融资：澳门机构为澳门企业提供融资。澳门元、港元、人民币、美元和欧元均在澳门银行体系内流通，"
            "可以任一币种放款和收款。不适用跨境额度；适用澳门金融体系法律制度及澳门金融管理局的监管。"
        ),
        "notes_zh_hant": (
            "澳門本地融資：澳門機構為澳門企業提供融資。澳門元、港元、人民幣、美元和歐元均在澳門銀行體系內流通，"
            "可以任一幣種放款和收款。不適用跨境額度；適用澳門金融體系法律制度及澳門金融管理局的監管。"
        ),
        "notes_pt": (
            "Financiamento local em Macau: uma instituição de Macau financia uma empresa de Macau. Patacas, "
            "dólares de Hong Kong, renminbi, dólares dos Estados Unidos e euros circulam no sistema bancário "
            "de Macau, pelo que qualquer destas moedas pode ser concedida e recebida. Não se aplica qualquer "
            "limite transfronteiriço; aplicam-se o regime jurídico do sistema financeiro de Macau e a "
            "supervisão da Autoridade Monetária de Macau (AMCM)."
        ),
        "from_jurisdictions": ["macao"],
        "to_jurisdictions": ["macao"],
        "instruments": list(_ALL_INSTRUMENTS),
        "lender_currencies": ["MOP", "HKD", "CNY", "USD", "EUR"],
        "borrower_currencies": ["MOP", "HKD", "CNY", "USD", "EUR"],
        "conditions": [],
        "documents": [],
        "limit_rule": "none",
        "policy_source": (
            "No cross-border rule: local financing in Macao.\n"
            "Macao Law No. 13/2023, Legal Regime of the Financial System (第13/2023號法律《金融體系法律制度》 / "
            "Lei n.º 13/2023, Regime jurídico do sistema financeiro), which replaced Decree-Law No. 32/93/M; "
            "supervision by the Monetary Authority of Macao (AMCM)."
        ),
        "priority": 10,
    },
    {
        "code": "domestic-hong-kong",
        "name_en": "Local financing (Hong Kong)",
        "name_zh_hans": "香港本地融资",
        "name_zh_hant": "香港本地融資",
        "name_pt": "Financiamento local (Hong Kong)",
        "notes_en": (
            "Local financing in Hong Kong: a Hong Kong institution finances a Hong Kong enterprise in Hong Kong "
            "dollars, US dollars, renminbi, euros or patacas. No cross-border limit applies; Hong Kong banking "
            "law and the supervision of the Hong Kong Monetary Authority do."
        ),
        "notes_zh_hans": (
            "香港本地融资：香港机构以港元、美元、人民币、欧元或澳门元为香港企业提供融资。"
            "不适用跨境额度；适用香港银行业法例及香港金融管理局的监管。"
        ),
        "notes_zh_hant": (
            "香港本地融資：香港機構以港元、美元、人民幣、歐元或澳門元為香港企業提供融資。"
            "不適用跨境額度；適用香港銀行業法例及香港金融管理局的監管。"
        ),
        "notes_pt": (
            "Financiamento local em Hong Kong: uma instituição de Hong Kong financia uma empresa de Hong Kong "
            "em dólares de Hong Kong, dólares dos Estados Unidos, renminbi, euros ou patacas. Não se aplica "
            "qualquer limite transfronteiriço; aplicam-se a legislação bancária de Hong Kong e a supervisão "
            "da Autoridade Monetária de Hong Kong."
        ),
        "from_jurisdictions": ["hong_kong"],
        "to_jurisdictions": ["hong_kong"],
        "instruments": list(_ALL_INSTRUMENTS),
        "lender_currencies": ["HKD", "USD", "CNY", "EUR", "MOP"],
        "borrower_currencies": ["HKD", "USD", "CNY", "EUR", "MOP"],
        "conditions": [],
        "documents": [],
        "limit_rule": "none",
        "policy_source": (
            "No cross-border rule: local financing in Hong Kong.\n"
            "Banking Ordinance (Cap. 155, 《銀行業條例》); supervision by the Hong Kong Monetary Authority."
        ),
        "priority": 10,
    },
    {
        "code": "cross-border-rmb-loan",
        "name_en": "Cross-border RMB loan (Hengqin)",
        "name_zh_hans": "跨境人民币贷款（横琴）",
        "name_zh_hant": "跨境人民幣貸款（橫琴）",
        "name_pt": "Empréstimo transfronteiriço em renminbi (Hengqin)",
        "notes_en": (
            "A bank in Macao or Hong Kong lends renminbi directly to an enterprise registered and operating in "
            "the Hengqin cooperation zone. The loan is made and repaid in RMB, is filed with the People's Bank "
            "of China through the enterprise's Mainland settlement bank, and counts against the enterprise's "
            "macro-prudential cross-border financing cap. The money must serve the enterprise's real business "
            "in the zone: it may not buy securities or wealth-management products, fund property "
            "speculation, or be lent on."
        ),
        "notes_zh_hans": (
            "澳门或香港的银行直接向在横琴粤澳深度合作区注册并实际经营的企业发放人民币贷款。贷款以人民币发放和偿还，"
            "由企业通过境内结算银行向中国人民银行备案，并计入企业的跨境融资宏观审慎上限。"
            "资金须用于企业在合作区内的实体经营，不得用于购买有价证券或理财产品、炒作房地产，也不得转贷。"
        ),
        "notes_zh_hant": (
            "澳門或香港的銀行直接向在橫琴粵澳深度合作區註冊並實際經營的企業發放人民幣貸款。貸款以人民幣發放和償還，"
            "由企業通過境內結算銀行向中國人民銀行備案，並計入企業的跨境融資宏觀審慎上限。"
            "資金須用於企業在合作區內的實體經營，不得用於購買有價證券或理財產品、炒作房地產，也不得轉貸。"
        ),
        "notes_pt": (
            "Um banco de Macau ou de Hong Kong concede directamente um empréstimo em renminbi a uma empresa "
            "registada e em actividade na Zona de Cooperação Aprofundada entre Guangdong e Macau em Hengqin. "
            "O empréstimo é concedido e reembolsado em renminbi, é registado junto do Banco Popular da China "
            "através do banco de liquidação da empresa no Interior da China e conta para o limite "
            "macroprudencial de financiamento transfronteiriço da empresa. Os fundos destinam-se à actividade "
            "real da empresa na Zona: não podem ser aplicados em valores mobiliários ou produtos de gestão de "
            "fortunas, nem em especulação imobiliária, nem ser novamente emprestados."
        ),
        "from_jurisdictions": ["macao", "hong_kong"],
        "to_jurisdictions": ["hengqin"],
        "instruments": list(_LOANS),
        "lender_currencies": ["CNY"],
        "borrower_currencies": ["CNY"],
        "conditions": [
            {"field": "institution.kind", "op": "in",
             "value": ["macao_bank", "hong_kong_bank", "commercial_bank"]},
        ],
        "documents": ["loan_contract", "business_licence", "use_of_funds", "pboc_filing"],
        "limit_rule": "mpa_cap",
        "policy_source": (
            "PBoC Guangzhou Branch, Interim Measures for the Pilot of Cross-border RMB Loans in Nansha and "
            "Hengqin, Guangdong (人民银行广州分行《广东南沙、横琴新区跨境人民币贷款业务试点管理暂行办法》, "
            "July 2015).\n"
            "CPC Central Committee and State Council, Master Plan for the Construction of the "
            "Guangdong-Macao Intensive Cooperation Zone in Hengqin (《横琴粤澳深度合作区建设总体方案》, 2021).\n"
            "PBoC, CBIRC, CSRC, SAFE and the Guangdong Provincial Government, Opinions on Financial Support "
            "for the Hengqin Cooperation Zone (《关于金融支持横琴粤澳深度合作区建设的意见》, 银发〔2023〕41号).\n"
            "PBoC, Notice on Full-scope Macro-prudential Management of Cross-border Financing "
            "(《关于全口径跨境融资宏观审慎管理有关事宜的通知》, 银发〔2017〕9号, 2017) for the cap."
        ),
        "priority": 20,
    },
    {
        "code": "cross-border-direct-loan",
        "name_en": "Cross-border direct loan (foreign debt)",
        "name_zh_hans": "跨境直贷（外债）",
        "name_zh_hant": "跨境直貸（外債）",
        "name_pt": "Empréstimo directo transfronteiriço (dívida externa)",
        "notes_en": (
            "A lender outside the Mainland (in Macao, Hong Kong or elsewhere) lends patacas, Hong Kong dollars, "
            "US dollars or euros to a Mainland enterprise: this is foreign debt. The enterprise registers it "
            "with SAFE and may keep the funds in the loan currency or settle them into renminbi. The loan must "
            "fit under the enterprise's macro-prudential cap; a certified high-tech (HNTE) or SRDI enterprise "
            "in a pilot area may use the facilitation quota of up to USD 10 million instead, and then shows "
            "its certificate. An RMB loan from a Macao bank to a Hengqin enterprise goes through the "
            "cross-border RMB loan channel. Loans of a year or more may also need NDRC review and registration."
        ),
        "notes_zh_hans": (
            "澳门、香港或其他境外贷款人以澳门元、港元、美元或欧元向内地企业放款，即为外债。企业须在国家外汇管理局"
            "办理外债登记，资金可按原币种使用，也可结汇为人民币。借款须在企业的跨境融资宏观审慎上限之内；"
            "试点地区经认定的高新技术企业或专精特新企业也可改用最高等值1000万美元的便利化额度，此时须提供认定证书。"
            "澳门银行向横琴企业发放的人民币贷款走跨境人民币贷款渠道。期限一年及以上的外债可能还须向国家发展改革委"
            "办理审核登记。"
        ),
        "notes_zh_hant": (
            "澳門、香港或其他境外貸款人以澳門元、港元、美元或歐元向內地企業放款，即為外債。企業須在國家外匯管理局"
            "辦理外債登記，資金可按原幣種使用，也可結匯為人民幣。借款須在企業的跨境融資宏觀審慎上限之內；"
            "試點地區經認定的高新技術企業或專精特新企業也可改用最高等值1000萬美元的便利化額度，此時須提供認定證書。"
            "澳門銀行向橫琴企業發放的人民幣貸款走跨境人民幣貸款渠道。期限一年及以上的外債可能還須向國家發展改革委"
            "辦理審核登記。"
        ),
        "notes_pt": (
            "Um mutuante fora do Interior da China (em Macau, Hong Kong ou no exterior) empresta patacas, "
            "dólares de Hong Kong, dólares dos Estados Unidos ou euros a uma empresa do Interior da China: "
            "trata-se de dívida externa. A empresa regista a dívida junto da Administração Estatal de Divisas "
            "(SAFE) e pode utilizar os fundos na moeda do empréstimo ou convertê-los em renminbi. O empréstimo "
            "tem de caber no limite macroprudencial da empresa; uma empresa de alta tecnologia (HNTE) ou "
            "«especializada, refinada, distintiva e inovadora» (SRDI) certificada, numa zona-piloto, pode em "
            "alternativa usar a quota de facilitação até ao equivalente a 10 milhões de dólares dos Estados "
            "Unidos, apresentando então o respectivo certificado. Um empréstimo em renminbi de um banco de "
            "Macau a uma empresa de Hengqin segue o canal do empréstimo transfronteiriço em renminbi. "
            "Empréstimos de um ano ou mais podem ainda exigir o registo junto da Comissão Nacional de "
            "Desenvolvimento e Reforma (NDRC)."
        ),
        "from_jurisdictions": ["macao", "hong_kong", "elsewhere"],
        "to_jurisdictions": list(_MAINLAND_GBA),
        "instruments": list(_LOANS),
        "lender_currencies": ["MOP", "HKD", "USD", "EUR"],
        "borrower_currencies": ["CNY", "MOP", "HKD", "USD", "EUR"],
        "conditions": [],
        "documents": [
            "loan_contract", "business_licence", "safe_registration", "pboc_filing", "use_of_funds",
            "high_tech_certificate",
        ],
        "limit_rule": "mpa_cap_or_facilitation_quota",
        "policy_source": (
            "PBoC, Notice on Full-scope Macro-prudential Management of Cross-border Financing "
            "(《关于全口径跨境融资宏观审慎管理有关事宜的通知》, 银发〔2017〕9号, 2017).\n"
            "SAFE, Notice on Supporting High-tech and SRDI Enterprises in the Cross-border Financing "
            "Facilitation Pilot (《关于支持高新技术和“专精特新”企业开展跨境融资便利化试点的通知》, "
            "汇发〔2022〕16号, May 2022): up to USD 10 million in the earlier pilot provinces, Guangdong among them.\n"
            "SAFE, Measures for the Administration of Foreign Debt Registration (《外债登记管理办法》, "
            "汇发〔2013〕19号, 2013).\n"
            "NDRC, Measures for the Review and Registration of Enterprises' Medium- and Long-term Foreign Debt "
            "(《企业中长期外债审核登记管理办法》, NDRC Order No. 56, 2023) for debts of a year or more."
        ),
        "priority": 30,
    },
    {
        "code": "qflp-equity",
        "name_en": "Equity through a QFLP fund",
        "name_zh_hans": "合格境外有限合伙人（QFLP）基金股权投资",
        "name_zh_hant": "合格境外有限合夥人（QFLP）基金股權投資",
        "name_pt": "Investimento em capital através de um fundo QFLP",
        "notes_en": (
            "A Macao, Hong Kong or foreign investor does not buy the enterprise's shares directly: it commits "
            "capital, in patacas, Hong Kong dollars, US dollars, euros or renminbi, to a QFLP pilot fund "
            "registered in Hengqin or Zhuhai (multi-currency funds are allowed). The fund, run by an approved "
            "manager, converts the money and invests in the enterprise in renminbi, as equity or a convertible. "
            "The fund's pilot approval, the subscription agreement and the foreign-investment information "
            "report are needed; the fund's own quota is set by the local authorities and is not checked here."
        ),
        "notes_zh_hans": (
            "澳门、香港或境外投资者不直接购买企业股份，而是以澳门元、港元、美元、欧元或人民币认缴在横琴或珠海"
            "注册的QFLP试点基金（可为多币种基金）。基金由经认定的管理人管理，将资金兑换后以人民币通过股权或"
            "可转换工具投资企业。须提供基金的试点批准文件、认购协议和外商投资信息报告；基金自身的额度由地方主管"
            "部门管理，平台不作检查。"
        ),
        "notes_zh_hant": (
            "澳門、香港或境外投資者不直接購買企業股份，而是以澳門元、港元、美元、歐元或人民幣認繳在橫琴或珠海"
            "註冊的QFLP試點基金（可為多幣種基金）。基金由經認定的管理人管理，將資金兌換後以人民幣通過股權或"
            "可轉換工具投資企業。須提供基金的試點批准文件、認購協議和外商投資信息報告；基金自身的額度由地方主管"
            "部門管理，平台不作檢查。"
        ),
        "notes_pt": (
            "Um investidor de Macau, de Hong Kong ou do exterior não adquire directamente participações na "
            "empresa: subscreve, em patacas, dólares de Hong Kong, dólares dos Estados Unidos, euros ou "
            "renminbi, um fundo-piloto QFLP registado em Hengqin ou Zhuhai (admitem-se fundos multimoeda). "
            "O fundo, gerido por uma sociedade gestora autorizada, converte os fundos e investe na empresa em "
            "renminbi, em capital ou através de um instrumento convertível. São necessários a autorização-piloto "
            "do fundo, o contrato de subscrição e o relatório de informação sobre o investimento estrangeiro; "
            "a quota do próprio fundo é fixada pelas autoridades locais e não é verificada aqui."
        ),
        "from_jurisdictions": ["macao", "hong_kong", "elsewhere"],
        "to_jurisdictions": ["hengqin", "zhuhai"],
        "instruments": ["equity", "convertible"],
        "lender_currencies": ["MOP", "HKD", "USD", "EUR", "CNY"],
        "borrower_currencies": ["CNY"],
        "conditions": [],
        "documents": [
            "qflp_approval", "subscription_agreement", "foreign_investment_report", "business_licence",
            "board_resolution",
        ],
        "limit_rule": "none",
        "policy_source": (
            "Zhuhai Municipal Financial Work Bureau, Zhuhai QFLP pilot measures (《珠海市外商投资股权投资企业"
            "试点管理暂行办法》, 2018, revised as 《珠海市外商投资股权投资类企业试点办法》).\n"
            "Hengqin Cooperation Zone Financial Development Bureau, QFLP balance-management pilot measures "
            "(《横琴粤澳深度合作区合格境外有限合伙人（QFLP）余额管理制试点管理办法》, 2025), with SAFE "
            "Guangdong's implementing rules on QFLP foreign-exchange administration in the zone (2025).\n"
            "Master Plan for the Construction of the Guangdong-Macao Intensive Cooperation Zone in Hengqin "
            "(《横琴粤澳深度合作区建设总体方案》, 2021); 银发〔2023〕41号."
        ),
        "priority": 30,
    },
    {
        "code": "macao-bond-issuance",
        "name_en": "Bond issuance in Macao",
        "name_zh_hans": "赴澳门发行债券",
        "name_zh_hant": "赴澳門發行債券",
        "name_pt": "Emissão de obrigações em Macau",
        "notes_en": (
            "A Mainland enterprise raises money by issuing bonds in Macao, in patacas, renminbi, Hong Kong "
            "dollars or US dollars, registered with Macao's central securities depository and usually listed on "
            "a Macao venue such as MOX. Before issuing a bond of a year or more, the enterprise obtains the "
            "NDRC's foreign-debt registration certificate; afterwards it registers the debt with SAFE, and the "
            "debt counts against its macro-prudential cap. The proceeds may be brought home in the issue "
            "currency or in renminbi."
        ),
        "notes_zh_hans": (
            "内地企业在澳门发行债券融资，币种可为澳门元、人民币、港元或美元，债券在澳门中央证券托管系统登记，"
            "一般在中华（澳门）金融资产交易股份有限公司（MOX）等澳门平台上市。发行一年期及以上债券前，"
            "企业须取得国家发展改革委的外债审核登记证明；发行后须在国家外汇管理局办理外债登记，"
            "并计入企业的跨境融资宏观审慎上限。募集资金可按发行币种或人民币调回境内使用。"
        ),
        "notes_zh_hant": (
            "內地企業在澳門發行債券融資，幣種可為澳門元、人民幣、港元或美元，債券在澳門中央證券託管系統登記，"
            "一般在中華（澳門）金融資產交易股份有限公司（MOX）等澳門平台上市。發行一年期及以上債券前，"
            "企業須取得國家發展改革委的外債審核登記證明；發行後須在國家外匯管理局辦理外債登記，"
            "並計入企業的跨境融資宏觀審慎上限。募集資金可按發行幣種或人民幣調回境內使用。"
        ),
        "notes_pt": (
            "Uma empresa do Interior da China obtém financiamento emitindo obrigações em Macau, em patacas, "
            "renminbi, dólares de Hong Kong ou dólares dos Estados Unidos, registadas no sistema central de "
            "depósito de valores mobiliários de Macau e, em regra, admitidas a negociação numa plataforma de "
            "Macau como a MOX. Antes de emitir obrigações com prazo igual ou superior a um ano, a empresa obtém "
            "o certificado de registo de dívida externa da Comissão Nacional de Desenvolvimento e Reforma "
            "(NDRC); depois da emissão, regista a dívida junto da SAFE, e esta conta para o seu limite "
            "macroprudencial. O produto da emissão pode ser repatriado na moeda da emissão ou em renminbi."
        ),
        "from_jurisdictions": ["macao"],
        "to_jurisdictions": list(_MAINLAND_GBA),
        "instruments": ["bond"],
        "lender_currencies": ["MOP", "CNY", "HKD", "USD"],
        "borrower_currencies": ["MOP", "CNY", "HKD", "USD"],
        "conditions": [{"field": "request.term_months", "op": "gte", "value": 12}],
        "documents": [
            "ndrc_certificate", "offering_circular", "macao_listing", "safe_registration",
            "financial_statements",
        ],
        "limit_rule": "mpa_cap",
        "policy_source": (
            "NDRC, Measures for the Review and Registration of Enterprises' Medium- and Long-term Foreign Debt "
            "(《企业中长期外债审核登记管理办法》, NDRC Order No. 56, 2023; in force 10 February 2023).\n"
            "SAFE, Measures for the Administration of Foreign Debt Registration (汇发〔2013〕19号).\n"
            "PBoC, 银发〔2017〕9号 for the macro-prudential cap.\n"
            "Macao Law No. 13/2023, Legal Regime of the Financial System (Lei n.º 13/2023, Regime jurídico "
            "do sistema financeiro); the Central Securities Depository of Macao (澳門中央證券託管系統, "
            "operated by MCSD, in operation since December 2021); MOX (中華（澳門）金融資產交易股份有限公司, 2018)."
        ),
        "priority": 40,
    },
    {
        "code": "mainland-bank-to-macao",
        "name_en": "Mainland bank lending to Macao enterprises",
        "name_zh_hans": "内地银行境外贷款（澳门企业）",
        "name_zh_hant": "內地銀行境外貸款（澳門企業）",
        "name_pt": "Empréstimo de banco do Interior da China a empresas de Macau",
        "notes_en": (
            "A bank in the Mainland part of the Greater Bay Area (a commercial or policy bank, or a rural "
            "credit cooperative) lends directly to an enterprise registered in Macao, in renminbi, Hong Kong "
            "dollars, US dollars or patacas. The limit falls on the bank, not the borrower: the bank's "
            "outstanding overseas loans must stay within its own macro-prudential overseas-lending cap, which "
            "the bank manages and the platform does not check. The bank assesses the Macao enterprise from its "
            "registration documents, financial statements and a credit report."
        ),
        "notes_zh_hans": (
            "大湾区内地银行（商业银行、政策性银行或农村信用社）以人民币、港元、美元或澳门元直接向在澳门注册的企业"
            "发放贷款。额度约束的是银行而非借款企业：银行的境外贷款余额须在其自身的境外贷款宏观审慎上限之内，"
            "由银行自行管理，平台不作检查。银行依据澳门企业的登记文件、财务报表和信用报告进行评估。"
        ),
        "notes_zh_hant": (
            "大灣區內地銀行（商業銀行、政策性銀行或農村信用社）以人民幣、港元、美元或澳門元直接向在澳門註冊的企業"
            "發放貸款。額度約束的是銀行而非借款企業：銀行的境外貸款餘額須在其自身的境外貸款宏觀審慎上限之內，"
            "由銀行自行管理，平台不作檢查。銀行依據澳門企業的登記文件、財務報表和信用報告進行評估。"
        ),
        "notes_pt": (
            "Um banco da parte da Grande Baía situada no Interior da China (banco comercial, banco de "
            "desenvolvimento ou cooperativa de crédito rural) concede directamente um empréstimo a uma empresa "
            "registada em Macau, em renminbi, dólares de Hong Kong, dólares dos Estados Unidos ou patacas. "
            "O limite recai sobre o banco e não sobre o mutuário: o saldo dos empréstimos do banco ao exterior "
            "tem de respeitar o seu próprio limite macroprudencial, gerido pelo banco e não verificado pela "
            "plataforma. O banco avalia a empresa de Macau com base nos documentos de registo, nas "
            "demonstrações financeiras e num relatório de crédito."
        ),
        "from_jurisdictions": list(_MAINLAND_GBA),
        "to_jurisdictions": ["macao"],
        "instruments": list(_LOANS),
        "lender_currencies": ["CNY", "HKD", "USD", "MOP"],
        "borrower_currencies": ["CNY", "HKD", "USD", "MOP"],
        "conditions": [
            {"field": "institution.kind", "op": "in",
             "value": ["commercial_bank", "policy_bank", "rural_credit_cooperative"]},
        ],
        "documents": [
            "loan_contract", "offshore_registration", "financial_statements", "credit_report", "use_of_funds",
        ],
        "limit_rule": "none",
        "policy_source": (
            "PBoC and SAFE, Notice on Overseas Lending by Banking Financial Institutions "
            "(《关于银行业金融机构境外贷款业务有关事宜的通知》, 银发〔2022〕27号, February 2022): the bank's "
            "cap is its tier-one capital x overseas-lending leverage ratio x macro-prudential parameter.\n"
            "PBoC, CBIRC, CSRC and SAFE, Opinions on Financial Support for the Greater Bay Area "
            "(《关于金融支持粤港澳大湾区建设的意见》, 银发〔2020〕95号, 2020), including the Macao-Zhuhai "
            "cross-border financial cooperation demonstration zone; 银发〔2023〕41号 for Hengqin."
        ),
        "priority": 30,
    },
]


_PARAMETERS_2023: dict[str, Any] = {
    "effective_from": date(2023, 7, 20),
    "leverage_ratio": Decimal("2"),
    "adjustment_parameter": Decimal("1.5"),
    "short_term_factor": Decimal("1.5"),
    "long_term_factor": Decimal("1"),
    "on_balance_factor": Decimal("1"),
    "off_balance_factor": Decimal("1"),
    "fx_risk_factor": Decimal("0.5"),
    "short_term_months": 12,
    "facilitation_quota_usd": Decimal("10000000"),
    "facilitation_certifications": ["hnte", "srdi"],
    "facilitation_jurisdictions": list(_MAINLAND_GBA),
    "source": (
        "Formula and factors: PBoC, Notice on Full-scope Macro-prudential Management of Cross-border "
        "Financing (《关于全口径跨境融资宏观审慎管理有关事宜的通知》, 银发〔2017〕9号, 13 January 2017): "
        "enterprise leverage ratio 2 (on net assets); term factor 1 for a term over one year and 1.5 for one "
        "year or less; category factor 1 on and off balance sheet; exchange-rate factor 0.5 on foreign-"
        "currency debt.\n"
        "Adjustment parameter: PBoC and SAFE announcement of 20 July 2023 raising it for enterprises and "
        "financial institutions from 1.25 to 1.5, effective that day.\n"
        "Facilitation quota: SAFE, 汇发〔2022〕16号 (May 2022): certified high-tech and SRDI enterprises in "
        "the earlier pilot provinces (Guangdong and Shenzhen among them) may borrow foreign debt on their own "
        "up to the equivalent of USD 10 million."
    ),
}

# The adjustment parameter was raised again, from 1.5 to 1.75, from 13 January 2025.
_PARAMETERS_2025: dict[str, Any] = {
    **_PARAMETERS_2023,
    "effective_from": date(2025, 1, 13),
    "adjustment_parameter": Decimal("1.75"),
    "source": _PARAMETERS_2023["source"].replace(
        "Adjustment parameter: PBoC and SAFE announcement of 20 July 2023 raising it for enterprises and "
        "financial institutions from 1.25 to 1.5, effective that day.",
        "Adjustment parameter: PBoC and SAFE announcement of 13 January 2025 raising it for enterprises and "
        "financial institutions from 1.5 to 1.75, effective that day (before it, 1.5 from 20 July 2023).",
    ),
}

# Every parameter set, oldest first: results for past dates stay reproducible.
LIMIT_PARAMETER_SETS: list[dict[str, Any]] = [_PARAMETERS_2023, _PARAMETERS_2025]
# The set in force now.
LIMIT_PARAMETERS: dict[str, Any] = LIMIT_PARAMETER_SETS[-1]
