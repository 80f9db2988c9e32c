"""Word lists the demo generator composes fictional Greater Bay Area names and texts from.

Pure data, no Django. Every name built from these lists is fictional: brands are two
syllables drawn at random, places are only used as a registration prefix.
"""

from __future__ import annotations

# Codes of the controlled vocabularies (bayfin.common.vocab), repeated here so that the
# generator needs no Django import. tests/demo checks they match vocab exactly.
JURISDICTIONS = ("hengqin", "zhuhai", "macao", "hong_kong", "guangzhou", "shenzhen", "other_gba",
                 "elsewhere")
MAINLAND = ("hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba")
STAGES = ("seed", "angel", "series_a", "series_b", "series_c", "pre_ipo", "mature")
INSTRUMENTS = ("equity", "convertible", "credit_loan", "ip_pledge_loan", "equity_pledge_loan",
               "guaranteed_loan", "venture_debt", "financial_leasing", "factoring", "guarantee", "bond")
INSTITUTION_KINDS = (
    "commercial_bank", "policy_bank", "rural_credit_cooperative", "macao_bank", "hong_kong_bank",
    "securities_firm", "fund_management", "venture_capital", "private_equity", "angel",
    "guidance_fund", "qflp_fund", "guarantee_company", "micro_credit", "financial_leasing",
    "commercial_factoring", "insurance", "trust", "supply_chain_finance", "ip_finance",
)
CERTIFICATION_KINDS = ("hnte", "scitech_sme", "macao_tech", "srdi")
TAX_GRADES = ("A", "B", "M", "C", "D")
SECTORS = ("integrated_circuits", "new_materials", "new_energy", "biomedicine", "tcm",
           "ai_big_data", "iot", "advanced_manufacturing", "fintech", "culture_tourism",
           "commerce_logistics")
REQUEST_STATUSES = ("draft", "open", "in_progress", "funded", "closed", "withdrawn", "expired")
DEAL_STAGES = ("interest", "accepted", "declined", "withdrawn", "closed")

CURRENCY_OF = {"macao": "MOP", "hong_kong": "HKD", "elsewhere": "USD"}  # Mainland: CNY

# Region codes (GB/T 2260) used as the USCC's 6-digit registration region.
REGION_CODES = {
    "hengqin": ("440404",),  # Zhuhai, Jinwan district (Hengqin registrations)
    "zhuhai": ("440400", "440402", "440403"),
    "guangzhou": ("440100", "440106", "440112", "440115"),
    "shenzhen": ("440300", "440304", "440305", "440306"),
    "other_gba": ("440600", "441900", "442000", "440700", "441300", "441200"),
}

# Place prefixes (simplified, traditional, English, Portuguese).
PLACES = {
    "hengqin": [("横琴", "橫琴", "Hengqin", "Hengqin")],
    "zhuhai": [("珠海", "珠海", "Zhuhai", "Zhuhai")],
    "guangzhou": [("广州", "廣州", "Guangzhou", "Cantão"), ("南沙", "南沙", "Nansha", "Nansha")],
    "shenzhen": [("深圳", "深圳", "Shenzhen", "Shenzhen"), ("前海", "前海", "Qianhai", "Qianhai")],
    "other_gba": [("佛山", "佛山", "Foshan", "Foshan"), ("东莞", "東莞", "Dongguan", "Dongguan"),
                  ("中山", "中山", "Zhongshan", "Zhongshan"), ("江门", "江門", "Jiangmen", "Jiangmen"),
                  ("惠州", "惠州", "Huizhou", "Huizhou"), ("肇庆", "肇慶", "Zhaoqing", "Zhaoqing")],
    "macao": [("澳门", "澳門", "Macao", "Macau")],
    "hong_kong": [("香港", "香港", "Hong Kong", "Hong Kong")],
    "elsewhere": [("新加坡", "新加坡", "Singapore", "Singapura"), ("里斯本", "里斯本", "Lisbon", "Lisboa")],
}

# Brand syllables: (simplified, traditional, pinyin, Cantonese romanisation).
SYLLABLES = [
    ("芯", "芯", "Xin", "Sum"), ("微", "微", "Wei", "Mei"), ("智", "智", "Zhi", "Chi"),
    ("云", "雲", "Yun", "Wan"), ("华", "華", "Hua", "Wah"), ("创", "創", "Chuang", "Chong"),
    ("瑞", "瑞", "Rui", "Sui"), ("澜", "瀾", "Lan", "Laan"), ("湾", "灣", "Wan", "Waan"),
    ("达", "達", "Da", "Tat"), ("凯", "凱", "Kai", "Hoi"), ("联", "聯", "Lian", "Luen"),
    ("源", "源", "Yuan", "Yuen"), ("博", "博", "Bo", "Pok"), ("恒", "恆", "Heng", "Hang"),
    ("泰", "泰", "Tai", "Tai"), ("汇", "匯", "Hui", "Wui"), ("德", "德", "De", "Tak"),
    ("启", "啟", "Qi", "Kai"), ("海", "海", "Hai", "Hoi"), ("星", "星", "Xing", "Sing"),
    ("光", "光", "Guang", "Kwong"), ("领", "領", "Ling", "Ling"), ("航", "航", "Hang", "Hong"),
    ("睿", "睿", "Rui", "Yui"), ("鸿", "鴻", "Hong", "Hung"), ("晟", "晟", "Sheng", "Sing"),
    ("和", "和", "He", "Wo"), ("信", "信", "Xin", "Shun"), ("安", "安", "An", "On"),
    ("宁", "寧", "Ning", "Ning"), ("优", "優", "You", "Yau"), ("捷", "捷", "Jie", "Chit"),
    ("锐", "銳", "Rui", "Yui"), ("越", "越", "Yue", "Yuet"), ("卓", "卓", "Zhuo", "Cheuk"),
    ("远", "遠", "Yuan", "Yuen"), ("融", "融", "Rong", "Yung"), ("丰", "豐", "Feng", "Fung"),
    ("嘉", "嘉", "Jia", "Ka"), ("景", "景", "Jing", "King"), ("明", "明", "Ming", "Ming"),
    ("辰", "辰", "Chen", "Sun"), ("宇", "宇", "Yu", "Yu"), ("极", "極", "Ji", "Kik"),
    ("维", "維", "Wei", "Wai"), ("新", "新", "Xin", "Sun"), ("启", "啟", "Qi", "Kai"),
    ("鹏", "鵬", "Peng", "Pang"), ("蓝", "藍", "Lan", "Lam"), ("银", "銀", "Yin", "Ngan"),
    ("金", "金", "Jin", "Kam"), ("琴", "琴", "Qin", "Kam"), ("澳", "澳", "Ao", "Ou"),
    ("莲", "蓮", "Lian", "Lin"), ("峰", "峰", "Feng", "Fung"), ("拓", "拓", "Tuo", "Tok"),
    ("灵", "靈", "Ling", "Ling"), ("思", "思", "Si", "Sze"), ("威", "威", "Wei", "Wai"),
]

# Sector words: (simplified, traditional, English, Portuguese).
SECTOR_WORDS = {
    "integrated_circuits": [("微电子", "微電子", "Microelectronics", "Microelectrónica"),
                            ("半导体", "半導體", "Semiconductor", "Semicondutores"),
                            ("集成电路", "集成電路", "Integrated Circuits", "Circuitos Integrados"),
                            ("芯片设计", "芯片設計", "Chip Design", "Concepção de Chips")],
    "new_materials": [("新材料", "新材料", "New Materials", "Novos Materiais"),
                      ("复合材料", "複合材料", "Composite Materials", "Materiais Compósitos"),
                      ("纳米科技", "納米科技", "Nanotech", "Nanotecnologia")],
    "new_energy": [("新能源", "新能源", "New Energy", "Novas Energias"),
                   ("储能", "儲能", "Energy Storage", "Armazenamento de Energia"),
                   ("光伏", "光伏", "Photovoltaics", "Fotovoltaica"),
                   ("氢能", "氫能", "Hydrogen Energy", "Energia de Hidrogénio")],
    "biomedicine": [("生物医药", "生物醫藥", "Biopharma", "Biofarmacêutica"),
                    ("生物科技", "生物科技", "Biotech", "Biotecnologia"),
                    ("医疗器械", "醫療器械", "Medical Devices", "Dispositivos Médicos")],
    "tcm": [("中医药", "中醫藥", "Traditional Chinese Medicine", "Medicina Tradicional Chinesa"),
            ("本草健康", "本草健康", "Herbal Health", "Saúde Herbal")],
    "ai_big_data": [("人工智能", "人工智能", "AI", "Inteligência Artificial"),
                    ("大数据", "大數據", "Big Data", "Megadados"),
                    ("云计算", "雲計算", "Cloud Computing", "Computação em Nuvem")],
    "iot": [("物联网", "物聯網", "IoT", "Internet das Coisas"),
            ("智能传感", "智能傳感", "Smart Sensing", "Sensores Inteligentes")],
    "advanced_manufacturing": [("智能装备", "智能裝備", "Intelligent Equipment", "Equipamentos Inteligentes"),
                               ("精密制造", "精密製造", "Precision Manufacturing", "Fabrico de Precisão"),
                               ("机器人", "機器人", "Robotics", "Robótica")],
    "fintech": [("金融科技", "金融科技", "Fintech", "Tecnologia Financeira"),
                ("数字支付", "數字支付", "Digital Payments", "Pagamentos Digitais")],
    "culture_tourism": [("文旅", "文旅", "Culture & Tourism", "Cultura e Turismo"),
                        ("数字文创", "數字文創", "Digital Creative", "Criatividade Digital"),
                        ("会展", "會展", "Exhibitions", "Exposições")],
    "commerce_logistics": [("供应链", "供應鏈", "Supply Chain", "Cadeia de Abastecimento"),
                           ("跨境电商", "跨境電商", "Cross-border E-commerce", "Comércio Eletrónico"),
                           ("物流", "物流", "Logistics", "Logística")],
}

# What each sector makes and for whom: (Chinese product, Chinese market, English product,
# English market, Portuguese product, Portuguese market).
SECTOR_TEXT = {
    "integrated_circuits": [("低功耗物联网芯片", "智能家居和可穿戴设备", "low-power IoT chips", "smart homes and wearables", "chips de baixo consumo para IoT", "casas inteligentes e dispositivos vestíveis"),
                            ("车规级功率半导体", "新能源汽车", "automotive-grade power semiconductors", "electric vehicles", "semicondutores de potência para automóveis", "veículos elétricos"),
                            ("射频前端模组", "5G通信终端", "RF front-end modules", "5G handsets", "módulos de radiofrequência", "terminais 5G")],
    "new_materials": [("高性能碳纤维复合材料", "航空航天和轨道交通", "high-performance carbon-fibre composites", "aerospace and rail", "compósitos de fibra de carbono", "aeroespacial e ferrovia"),
                      ("电子级石墨烯薄膜", "柔性显示", "electronic-grade graphene films", "flexible displays", "películas de grafeno", "ecrãs flexíveis")],
    "new_energy": [("工商业储能系统", "园区微电网", "commercial battery storage", "industrial-park microgrids", "sistemas de armazenamento de energia", "microrredes industriais"),
                   ("高效异质结光伏组件", "分布式光伏电站", "heterojunction solar modules", "distributed solar plants", "módulos fotovoltaicos", "centrais solares distribuídas")],
    "biomedicine": [("单克隆抗体药物", "肿瘤治疗", "monoclonal antibody drugs", "oncology", "anticorpos monoclonais", "oncologia"),
                    ("体外诊断试剂", "基层医疗机构", "in-vitro diagnostic kits", "community clinics", "reagentes de diagnóstico in vitro", "clínicas comunitárias")],
    "tcm": [("经典名方中药制剂", "慢病管理", "classical TCM formula preparations", "chronic-disease care", "preparações de medicina chinesa", "doenças crónicas"),
            ("中药材溯源平台", "粤澳中医药产业", "TCM herb traceability", "the Guangdong-Macao TCM industry", "rastreabilidade de ervas medicinais", "a indústria de medicina chinesa Guangdong-Macau")],
    "ai_big_data": [("工业视觉检测系统", "电子制造", "machine-vision inspection", "electronics manufacturing", "inspeção por visão artificial", "fabrico de eletrónica"),
                    ("多语种大模型客服平台", "金融和政务服务", "multilingual LLM customer service", "finance and public services", "atendimento multilingue com IA", "serviços financeiros e públicos")],
    "iot": [("智慧口岸物联网终端", "跨境通关", "smart border-crossing IoT terminals", "cross-border clearance", "terminais IoT para fronteiras", "desalfandegamento transfronteiriço"),
            ("冷链温湿度传感器", "生鲜物流", "cold-chain sensors", "fresh-food logistics", "sensores para cadeia de frio", "logística de frescos")],
    "advanced_manufacturing": [("协作机器人", "3C电子装配", "collaborative robots", "electronics assembly", "robôs colaborativos", "montagem eletrónica"),
                               ("精密注塑模具", "医疗耗材", "precision injection moulds", "medical consumables", "moldes de injeção de precisão", "consumíveis médicos")],
    "fintech": [("跨境支付清算系统", "澳门与内地中小企业", "cross-border payment clearing", "Macao and Mainland SMEs", "compensação de pagamentos transfronteiriços", "PME de Macau e do Interior da China"),
                ("供应链金融风控平台", "核心企业上下游", "supply-chain credit risk platforms", "suppliers of anchor firms", "plataformas de risco de crédito", "fornecedores de grandes empresas")],
    "culture_tourism": [("沉浸式文旅体验", "横琴和澳门游客", "immersive cultural experiences", "visitors to Hengqin and Macao", "experiências culturais imersivas", "visitantes de Hengqin e Macau"),
                        ("会展数字化服务", "国际会议", "digital exhibition services", "international conventions", "serviços digitais de exposições", "convenções internacionais")],
    "commerce_logistics": [("跨境电商海外仓", "葡语国家市场", "cross-border e-commerce warehousing", "Portuguese-speaking markets", "armazéns de comércio eletrónico", "mercados lusófonos"),
                           ("智慧物流调度平台", "大湾区城市配送", "smart logistics dispatch", "Bay Area city delivery", "gestão inteligente de logística", "distribuição urbana na Grande Baía")],
}

# Fictional personal names for beneficial owners.
SURNAMES_ZH = ["陈", "李", "张", "黄", "林", "何", "梁", "吴", "郑", "周", "谢", "冯", "罗", "叶", "邓", "许"]
GIVEN_ZH = ["志明", "晓燕", "家豪", "嘉欣", "俊杰", "雅婷", "伟强", "丽华", "子轩", "思琪", "国栋", "慧敏",
            "文博", "海燕", "立新", "佳怡"]
SURNAMES_HK = ["Chan", "Wong", "Leung", "Lau", "Cheung", "Ho", "Lam", "Ng", "Tsang", "Lee"]
GIVEN_HK = ["Ka Ming", "Wing Yan", "Tai Man", "Siu Fong", "Chi Keung", "Mei Ling", "Ho Yin", "Pui Shan"]
SURNAMES_PT = ["Silva", "Sousa", "Costa", "Ferreira", "Almeida", "Rodrigues", "Santos", "Lopes", "Rocha"]
GIVEN_PT = ["João", "Maria", "Pedro", "Ana", "Miguel", "Inês", "Tiago", "Beatriz", "Rui", "Catarina"]
SURNAMES_EN = ["Tan", "Lim", "Smith", "Patel", "Müller", "Nakamura"]
GIVEN_EN = ["Alex", "Grace", "Daniel", "Priya", "Jonas", "Hana"]

ASSOCIATIONS = [
    "Associação de Capital de Risco de Macau (demo)",
    "Macao Association of Banks (demo)",
    "Greater Bay Area Sci-Tech Finance Alliance (demo)",
    "Hengqin Equity Investment Association (demo)",
    "Hong Kong Venture Capital Club (demo)",
    "Zhuhai Financing Guarantee Association (demo)",
    "Shenzhen Fintech Association (demo)",
    "Bay Area Leasing and Factoring Forum (demo)",
]

# The supported high-tech field (bayfin.evaluation.engine.facts.HNTE_FIELDS) each sector's
# core technology is in, as the enterprises declare it, or "none" where a sector's typical
# business is not a high technology of the eight fields. tests/demo checks the codes.
HNTE_FIELD_OF_SECTOR = {
    "integrated_circuits": "electronic_information",
    "new_materials": "new_materials",
    "new_energy": "new_energy",
    "biomedicine": "biomedicine",
    "tcm": "biomedicine",  # modern Chinese medicine is part of the biomedicine field
    "ai_big_data": "electronic_information",
    "iot": "electronic_information",
    "advanced_manufacturing": "advanced_manufacturing",
    "commerce_logistics": "high_tech_services",  # e-commerce and modern logistics technology
    "fintech": "none",  # financial services: the technology serves the business, it is not the product
    "culture_tourism": "none",
}
NO_HNTE_FIELD = "none"
MACAO_TIERS = ("potential", "growth", "key")
