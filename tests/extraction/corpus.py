"""Real-looking SMS texts and the code a person would read in each (None: there is none).

Each entry is ``(text, expected)`` or ``(text, expected, length)``; with a length the text is
read with ``extract_code(text, length=length)``. Codes, numbers, names and domains are made up.
"""

from __future__ import annotations

Case = tuple[str, str | None] | tuple[str, str | None, int]

ENGLISH: list[Case] = [
    ("Your PayPal OTP is 545", "545"),
    (
        "PayPal: Your security code is 730418. Your code expires in 10 minutes. "
        "Please don't reply.",
        "730418",
    ),
    ("<#> Your WhatsApp code: 123-456\nDon't share this code with others\nFA+9qCX9VSu", "123456"),
    (
        "<#> Your WhatsApp Business code: 271-903\n"
        "You can also tap on this link to verify your phone: v.whatsapp.com/271903\n"
        "Don't share this code with others\n4sgLq1p5sV6",
        "271903",
    ),
    ("G-123456 is your Google verification code.", "123456"),
    ("G-604127 is your Google verification code. Don't share your code with anyone.", "604127"),
    ("<#> 482910 is your code\nFA+9qCX9VSu", "482910"),
    ("<#> 77410 is your Lyft code. Reply STOP to 46786 to opt out.\nAB+12345678", "77410"),
    (
        "Telegram code: 58213\n\nDo not give this code to anyone, even if they say they are "
        "from Telegram!\n\nThis code can be used to log in to your Telegram account. We never "
        "ask it for anything else.",
        "58213",
    ),
    (
        "Login code: 40712. Do not give this code to anyone, even if they say they are from "
        "Telegram!",
        "40712",
    ),
    ("Use 1234567 as Microsoft account security code", "1234567"),
    ("Microsoft account: use 9023 as your single-use code.", "9023"),
    ("Your Discord verification code is: 880412", "880412"),
    (
        "Your Uber code: 4821. Never share this code. Reply STOP ALL to 827222 to unsubscribe.",
        "4821",
    ),
    ("391 004 is your Facebook confirmation code", "391004"),
    ("FB-55817 is your Facebook confirmation code", "55817"),
    ("Use 650 219 to verify your Instagram account.", "650219"),
    ("Instagram code: 118 402. Don't share it.", "118402"),
    ("582044 is your Amazon OTP. Do not share it with anyone.", "582044"),
    (
        "Amazon: Your one-time password is 310775. Don't share it. Order #112-4567890-1234567 "
        "is on the way.",
        "310775",
    ),
    ("Your Tinder code is 627193 @tinder.com #627193", "627193"),
    (
        "Your Coinbase verification code is: 5390217. Don't share this code with anyone; our "
        "employees will never ask for the code.",
        "5390217",
    ),
    ("Your X confirmation code is fqk3m7zp.", "fqk3m7zp"),
    (
        "[TikTok] 904361 is your verification code, valid for 5 minutes. To keep your account "
        "safe, never forward this code.",
        "904361",
    ),
    (
        "Apple ID Code is: 284019. Don't share it with anyone.\n\n@apple.com #284019 %apple.com",
        "284019",
    ),
    ("Your Apple Account code is: 703 518. Do not share it with anyone.", "703518"),
    ("Your Snapchat code is 719 562. Happy Snapping!", "719562"),
    ("Your LinkedIn verification code is 839201.", "839201"),
    ("Your Airbnb verification code is: 5902. Never share it.", "5902"),
    ("Your Netflix verification code is 4182 5530", "41825530"),
    ("Your Steam Guard code: F7K2M", "F7K2M"),
    ("Your code is AB12CD", "AB12CD"),
    ("Your Revolut login code: K7P-Q2X. Never share it, not even with Revolut staff.", "K7PQ2X"),
    ("Your verification code is 654321.\n\n@example.com #654321", "654321"),
    ("Sign-in code 112233 for your ACME account\n@login.acme.test #112233", "112233"),
    ("Your Signal registration code: 283-110", "283110"),
    ("Your Viber code: 8841", "8841"),
    ("Your Yahoo verification code is 78304012", "78304012"),
    (
        "Chase: Your one-time code is 18392017. Don't share it. We'll never call to ask for it.",
        "18392017",
    ),
    (
        "BofA: DO NOT share this code. We will NEVER call you or text you for it. Code 482907. "
        "Reply HELP if you didn't request it.",
        "482907",
    ),
    ("Wells Fargo: Your code is 917310. Call 1-800-869-3557 if you didn't request it.", "917310"),
    (
        "Your OTP for transaction of Rs. 5,000.00 at AMAZON on card XX4521 is 842310. Valid for "
        "10 mins. Do not share.",
        "842310",
    ),
    ("Order #98765432: your verification code is 301277.", "301277"),
    ("Your Binance verification code: 660318. Valid for 30 minutes. Ref: 55501234", "660318"),
    ("Your Booking.com verification code is 7013. It expires in 15 minutes.", "7013"),
    ("Your Stripe verification code is: 309-514", "309514"),
    ("Your GitHub authentication code is 81 73 06.", "817306"),
    ("Your Slack confirmation code is 5CR-7QW", "5CR7QW"),
    ("Use verification code 4429 for Bolt. Expires in 5 min.", "4429"),
    ("Your Lyft code is 2739. Msg & data rates may apply. Reply STOP to 46786.", "2739"),
    ("Your Venmo code is 918273. Venmo will never call you to ask for this code.", "918273"),
    ("Use 508821 to sign in to Zoom. Expires at 14:30 UTC on 2026-11-24.", "508821"),
    ("Hi! Your Deliveroo code is 5521 \N{SMILING FACE WITH SMILING EYES}", "5521"),
    ("\N{LOCK} Your Ledger Live PIN: 7 1 3 3 9 0 \N{LOCK}", "713390"),
    ("Welcome to Acme Bank. Your passcode: 3308\N{ZERO WIDTH SPACE}17", "330817"),
    ("Your code is 48\u200e29\u200e10. Do not share it.", "482910"),
    ("Your Wise code is 118 930. Don't share it with anyone, not even Wise.", "118930"),
    ("Your confirmation code is 739104", "739104", 6),
    ("Your Uber code: 4821. Ref: 55501234", None, 8),
    ("Your Acme codes: sign-in 482910, card PIN 7731", "7731", 4),
    ("Your Acme codes: sign-in 482910, card PIN 7731", "482910", 6),
    ("Your Acme codes: sign-in 482910, card PIN 7731", "482910"),
    ("Code 0375. Valid 5 minutes.", "0375"),
    ("482910", "482910"),
    ("Security code: 9081", "9081"),
]

ENGLISH_NEGATIVE: list[Case] = [
    ("Black Friday: everything 40% off, prices from $19.99. Shop now at example.com/bf2026", None),
    ("Your order #98765432 has shipped and will arrive on 2026-11-24.", None),
    (
        "Reminder: your appointment is on 24.11.2026 at 14:30. Call +1 415 555 0100 to reschedule.",
        None,
    ),
    ("Hi! Are we still on for dinner at 8? Table for 4.", None),
    ("Your Uber is arriving in 3 minutes. Toyota Camry, plate 7ABC123.", None),
    ("Congratulations! You won 5000 points. Use them before 31.12.2026", None),
    ("Your balance is 1,234.56 USD as of 24/11/2026", None),
    ("Use promo code SAVE20 for 20% off your next ride.", None),
    ("Happy New Year 2026 from all of us at Acme Mobile!", None),
    ("Your Amazon package with tracking number TBA123456789 will arrive today.", None),
    ("Your payment of $1499 to Acme Energy was received. Ref: 55501234", None),
    ("Your data plan: 20 GB left, renews on Nov 24. Call 611 for help.", None),
    ("Flash sale! 2 pizzas for $15.99 until 10pm. Reply STOP to 88022 to opt out.", None),
    ("Your ride receipt: 12.4 km, 23 min, total 245.50 TL.", None),
    ("Card ending in 4521 was charged 89.90 EUR at NETFLIX.COM on 24/11.", None),
    (
        "Dr. Smith's office: appointment confirmed for 11/24 at 9:45am. Questions? Call "
        "(415) 555-0142.",
        None,
    ),
    ("Your Lyft driver is 2 minutes away. Visit lyft.com/r/8a91c4 to track.", None),
    (
        "Limited offer: 1000 bonus miles when you book before 30 Nov. Details at "
        "https://air.example.com/m2026?ref=12345",
        None,
    ),
    ("Your account balance is 2500.00 USD. Call 1-800-555-0199 for details.", None),
    ("Download our app and get 15% off! Use code WELCOME15 at checkout.", None),
]

TURKISH: list[Case] = [
    ("Doğrulama kodunuz: 482910", "482910"),
    ("Trendyol üyelik doğrulama kodunuz: 719204. Kod 3 dakika geçerlidir. B002", "719204"),
    ("Getir giriş kodunuz: 4821. Bu kodu kimseyle paylaşmayın.", "4821"),
    ("Yemeksepeti doğrulama kodunuz 5531. Kodu kimseyle paylaşmayınız.", "5531"),
    (
        "Hepsiburada giriş için tek kullanımlık şifreniz: 309117. Şifrenizi kimseyle paylaşmayın.",
        "309117",
    ),
    (
        "Akbank: 1.250,00 TL tutarındaki alışverişiniz için 3D Secure şifreniz: 826014. Kart no: "
        "**** 4321",
        "826014",
    ),
    (
        "Garanti BBVA: 4321 ile biten kartınızla yapılan 349,90 TL işlem için doğrulama kodu "
        "602815. Kod 180 saniye geçerlidir.",
        "602815",
    ),
    (
        "İş Bankası: İnternet şubesi giriş şifreniz 77 41 09'dur. Şifrenizi kimseyle "
        "paylaşmayınız. Bilgi: 0850 724 0 724",
        "774109",
    ),
    ("Turkcell: Kodunuz 8342. 10 dakika geçerlidir.", "8342"),
    ("Papara onay kodun: 447 190. Bu kodu kimseyle paylaşma!", "447190"),
    ("BiTaksi doğrulama kodu: 2048", "2048"),
    ("e-Devlet tek kullanımlık şifreniz: 491028. 10 dakika geçerlidir.", "491028"),
    ("Sahibinden.com onay kodunuz: 830142. Kimseyle paylaşmayınız.", "830142"),
    ("Kodunuz ٤٨٢٩١٠ dır.", "482910"),
    ("Doğrulama kodunuz 119283. Sipariş no: 40958127. 10 dakika geçerlidir.", "119283"),
]

TURKISH_NEGATIVE: list[Case] = [
    (
        "Trendyol'da Efsane Cuma! 24.11.2026'ya kadar seçili ürünlerde %50'ye varan indirim. "
        "Detaylar: trendyol.com/kampanya SMS almamak için RET yaz 4609'a gönder. B002",
        None,
    ),
    ("Getir siparişin yolda! Tahmini varış 15 dk.", None),
    ("Siparişiniz 40958127 numarasıyla alınmıştır. Kargo takip: 7301992841. B002", None),
    ("Faturanız 349,90 TL olup son ödeme tarihi 24.11.2026'dır. Bilgi için 0850 123 45 67.", None),
    ("Kampanya! 500 TL ve üzeri alışverişte 100 TL indirim. Kod: INDIRIM100. B001", None),
    ("Hesabınıza 1.500,00 TL yatırılmıştır. Bakiye: 2.340,75 TL", None),
]

SPANISH: list[Case] = [
    ("Tu código de verificación es 123456", "123456"),
    ("Tu código de WhatsApp: 402-918. No compartas este código con nadie.", "402918"),
    ("BBVA: Tu clave de operación es 81920. No la compartas con nadie.", "81920"),
    ("Mercado Libre: tu código de seguridad es 553120. Vence en 10 minutos.", "553120"),
    ("Rappi: 7421 es tu código de acceso. No lo compartas.", "7421"),
    ("Tu pedido 55501234 está en camino. Llega el 24/11.", None),
]

PORTUGUESE: list[Case] = [
    ("Seu código de verificação do iFood é 6512.", "6512"),
    ("Nubank: seu código de acesso é 883 104. Não compartilhe com ninguém.", "883104"),
    ("Seu código Uber: 7729. Nunca compartilhe este código.", "7729"),
    ("O seu código de confirmação é 449102. Válido por 5 minutos.", "449102"),
    ("Promoção! Frete grátis acima de R$ 99,90 até 30/11. Ligue 0800 123 4567.", None),
]

GERMAN: list[Case] = [
    ("Ihr Bestätigungscode lautet 123456", "123456"),
    ("Dein Lieferando-Code: 5127. Bitte gib ihn nicht weiter.", "5127"),
    ("Ihre mobileTAN für die Überweisung über 250,00 EUR lautet: 448102", "448102"),
    ("Ihr Sicherheitscode für die Anmeldung: 30 91 72", "309172"),
    ("Ihre Bestellung 4028471 wurde versandt und kommt am 24.11.2026.", None),
    ("Dein Gutscheincode SOMMER25 gilt bis 31.08. Jetzt 25% sparen!", None),
]

FRENCH: list[Case] = [
    ("Votre code de vérification est 847201", "847201"),
    ("Votre code Doctolib : 5590. Il expire dans 10 minutes.", "5590"),
    ("BNP Paribas : votre code de sécurité est 301 442. Ne le communiquez jamais.", "301442"),
    ("Votre commande 88123401 a été expédiée. Suivi : laposte.fr/suivi", None),
]

ITALIAN: list[Case] = [
    ("Il tuo codice di verifica è 662019", "662019"),
    ("Intesa Sanpaolo: codice di conferma 73110. Non comunicarlo a nessuno.", "73110"),
    ("Il tuo codice Glovo è 4402. Valido per 10 minuti.", "4402"),
    ("Saldi! Sconto del 30% fino al 24/11. Chiama 02 1234 5678.", None),
]

RUSSIAN: list[Case] = [
    ("Ваш код подтверждения: 123456", "123456"),
    ("Код: 1234", "1234"),
    (
        "Код подтверждения: 4821. Никому не говорите код, даже если его требуют от имени Яндекса.",
        "4821",
    ),
    ("Ваш код для входа в Яндекс ID: 739 104", "739104"),
    ("Сбербанк: код 55312 для подтверждения перевода 1500 руб. Никому его не сообщайте.", "55312"),
    ("Тинькофф: никому не говорите код 8802! Вход в приложение.", "8802"),
    ("Ваш заказ №40958127 доставлен. Сумма 2490 руб.", None),
    ("Скидка 20% на всё до 30.11! Промокод SALE2026. Тел. 8 800 555-35-35", None),
]

CHINESE: list[Case] = [
    ("您的验证码是123456，5分钟内有效", "123456"),
    (
        "【支付宝】校验码482910，你正在使用支付宝，需要进行校验，请勿向任何人提供您收到的短信校验码。",
        "482910",
    ),
    ("【腾讯科技】你正在登录微信，验证码638102。转给他人将导致微信被盗。", "638102"),
    (
        "WeChat verification code (827364) may only be used once to verify mobile number. For "
        "account safety, don't forward the code to others.",
        "827364",
    ),
    ("【京东】验证码：384756，您正在登录，若非本人操作，请勿泄露。", "384756"),
    ("【淘宝】您的验证码为：５７３０２１，10分钟内有效。", "573021"),
    ("【美团】8826（登录验证码），请在15分钟内填写，切勿告诉他人。", "8826"),
    ("【京东】您的订单123456789已发货，预计11月24日送达。", None),
    ("【拼多多】双11大促，满299减50，详情咨询客服电话4001234567。", None),
]

JAPANESE: list[Case] = [
    ("【LINE】認証番号：123456", "123456"),
    ("Amazonの確認コード：558201。このコードを他人と共有しないでください。", "558201"),
    ("楽天：ワンタイムパスワードは 7712 です。有効期限は10分です。", "7712"),
    ("メルカリの認証番号は4091です", "4091"),
]

KOREAN: list[Case] = [
    ("[Web발신]\n[카카오톡] 인증번호 [123456]을 입력해주세요.", "123456"),
    ("[네이버] 인증번호 [408213]를 입력해 주세요.", "408213"),
    ("[Web발신] 쿠팡 인증번호는 5521입니다.", "5521"),
]

ARABIC: list[Case] = [
    ("رمز التحقق الخاص بك هو ٤٨٢٩١٠", "482910"),
    ("\u200fرمز التحقق: \u200e٧٣٠٤١٨\u200e لا تشاركه مع أحد", "730418"),
    ("كود التفعيل الخاص بك في طلبات هو 5521", "5521"),
    ("رمز الدخول إلى حسابك في STC Pay هو 918273. صالح لمدة 5 دقائق.", "918273"),
    ("عرض خاص! خصم 50% على جميع المنتجات حتى 30/11. اتصل 920000000", None),
]

OTHER: list[Case] = [
    ("Kod weryfikacyjny Allegro: 5820", "5820"),
    ("Kode verifikasi Gojek kamu: 4419. JANGAN berikan kode ini ke siapa pun.", "4419"),
    ("Je verificatiecode voor bol.com is 771234", "771234"),
    ("Mã xác thực Shopee của bạn là 558102.", "558102"),
    ("Ваш код: ８８４１", "8841"),
    ("Your verification code is ᠔᠘᠒᠙", "4829"),
    ("Your code is 𝟓𝟖𝟐𝟎𝟏𝟗", "582019"),
]

# The same services' messages in many countries and languages, and more brands.
WORLDWIDE: list[Case] = [
    ("Your Instagram code is 493 028. Don't share it.", "493028"),
    ("Your Facebook code is 73019. Never share this code.", "73019"),
    ("Use code 662891 to verify your Gmail recovery phone. Valid for 15 min.", "662891"),
    ("Your Google Voice verification code is 481920", "481920"),
    ("Your Yandex Go code: 7731", "7731"),
    ("Yandex: 55121 — код для входа. Никому не сообщайте.", "55121"),
    ("Код для входа в Telegram: 71042. Не давайте код никому!", "71042"),
    ("VK: 482913 — ваш код подтверждения.", "482913"),
    ("Ozon: код 5182 для входа. Никому не сообщайте!", "5182"),
    ("Wildberries: Ваш код 903117. Заказ 40958127 будет доставлен 24.11.", "903117"),
    ("Avito: код подтверждения 4491, действует 10 минут.", "4491"),
    ("Trendyol: Siparişiniz 40958127 kargoya verildi. Takip no: 7301992841", None),
    ("Migros Sanal Market doğrulama kodunuz: 8810", "8810"),
    ("n11.com üyelik onay kodunuz 662019'dur.", "662019"),
    (
        "Ziraat Bankası: İnternet Bankacılığı giriş onay kodu: 40771928. Şifrenizi kimseyle "
        "paylaşmayınız.",
        "40771928",
    ),
    ("Yapı Kredi: 5.000,00 TL tutarlı EFT işleminiz için onay kodunuz 338120'dir.", "338120"),
    (
        "Vodafone: Tek kullanımlık şifreniz 4417. Bu şifreyi kimseyle paylaşmayınız. Vodafone "
        "asla şifrenizi sormaz.",
        "4417",
    ),
    ("Türk Telekom: 2 GB hediye internetiniz tanımlanmıştır. Detaylı bilgi için 444 1 444.", None),
    ("Bolt: Your verification code is 9071", "9071"),
    ("Your Glovo code is 8831", "8831"),
    ("Wolt: 440 992 is your login code.", "440992"),
    ("Your Careem verification code is 3304", "3304"),
    ("Your Grab verification code is 720118. Don't share it with anyone.", "720118"),
    ("Shopee: Your OTP is 558120. Valid for 5 minutes. Do not share with anyone.", "558120"),
    ("Your Lazada verification code is 771209", "771209"),
    ("Your Alibaba.com verification code is 592018", "592018"),
    ("[Alipay] Your verification code is 662901. Do not disclose it.", "662901"),
    ("Your Kakao account verification code is [708213].", "708213"),
    ("Your PlayStation Network verification code is 39214", "39214"),
    ("Your Epic Games security code is: 882910", "882910"),
    ("Nintendo Account: 3918 is your verification code.", "3918"),
    ("Your Twitch verification code is 448192", "448192"),
    ("Your Reddit verification code is 820193", "820193"),
    ("Your Pinterest code is 771-004", "771004"),
    ("Your Spotify code: 5519", "5519"),
    ("Hinge: Your verification code is 482019", "482019"),
    ("Your Bumble verification code is 7729", "7729"),
    (
        "Your HSBC security code is 81920374. Never share it. HSBC will never call you to ask for "
        "it.",
        "81920374",
    ),
    ("Monzo: Here's your code: 448 201. Don't share it with anyone, even Monzo.", "448201"),
    ("N26: Your code to pair your new device is 730219. Never share this code.", "730219"),
    ("Barclays: Your one-time passcode is 392018. We'll never ask you for it.", "392018"),
    (
        "Santander: OTP 662910 for a payment of 150.00 GBP to ACME LTD. Never share this code.",
        "662910",
    ),
    ("Revolut: 118 204 is your verification code. Do not share it.", "118204"),
    ("Your Amazon delivery is scheduled for 24 Nov between 14:00 and 18:00.", None),
    ("Reminder: pay your bill of 89.99 EUR before 30.11.2026. Call 0800 555 0199.", None),
    ("Your flight TK1984 departs at 14:30 from gate B12. Seat 14C.", None),
    ("Congrats! You earned 250 points. Redeem at example.com/r/5521", None),
    ("Your parcel 1Z999AA10123456784 is out for delivery.", None),
    ("Ваш код подтверждения ８２９１０３", "829103"),
    ("Tu código de Uber es 5512. Nunca compartas este código.", "5512"),
    ("Código de verificación de Instagram: 771 920", "771920"),
    ("Seu código do WhatsApp: 553-019", "553019"),
    ("Votre code WhatsApp : 220-913", "220913"),
    ("Il tuo codice WhatsApp: 883-102", "883102"),
    ("Dein WhatsApp-Code: 449-021", "449021"),
    ("WhatsApp kodunuz: 381-720", "381720"),
    ("Ваш код WhatsApp: 662-019", "662019"),
    ("您的WhatsApp代码：438-102", "438102"),
    ("رمز واتساب الخاص بك: ٣٨١-٧٢٠", "381720"),
    ("WhatsApp 인증번호: 448-920", "448920"),
    ("WhatsApp のコード: 553-201", "553201"),
    ("【微博】验证码：720193（10分钟内有效），如非本人操作请忽略。", "720193"),
    ("【抖音】验证码5521，用于手机号登录，5分钟内有效。", "5521"),
    ("【小红书】您的验证码是 882019，请于5分钟内使用。", "882019"),
    ("Your code is 4Q7Z-K2M9", "4Q7ZK2M9"),
    (
        "Your Microsoft account security code is 4820193. If you didn't request it, ignore this.",
        "4820193",
    ),
    ("Use 7712 as your Skype verification code.", "7712"),
]

# Messages full of other numbers (or with none that is a code), and odd formats.
CROWDED: list[Case] = [
    ("Your Getir order will arrive in 12 minutes. Courier: Ahmet, 0532 123 45 67", None),
    (
        "Your ticket for Galatasaray vs Fenerbahçe on 24.11.2026 20:00 - Gate 7, Block 312, Row "
        "14, Seat 22.",
        None,
    ),
    (
        "Netflix: Your monthly payment of 149,99 TL failed. Update your payment at "
        "netflix.com/account",
        None,
    ),
    (
        "Dear customer, your internet package of 50 GB expires on 2026-11-30. Renew by sending "
        "PAKET to 5555.",
        None,
    ),
    ("Uber: Your trip with Mehmet cost 312.40 TL. Thanks for riding!", None),
    ("Amazon: Your refund of $42.17 for order 114-7239012-5523401 has been issued.", None),
    ("IKEA: Your order 1298347 is ready for pickup at store 412 until 28/11.", None),
    (
        "Doctor appointment: Mon 24 Nov, 10:15, room 204. Reply C to confirm or call 020 7946 "
        "0958.",
        None,
    ),
    ("Weather alert: temperatures down to -5 C tonight, 40 km/h winds. Stay safe.", None),
    (
        "Your electricity bill for October is 1.234,56 TL. Due date: 15.11.2026. Subscriber no: "
        "40012345",
        None,
    ),
    ("Hey it's Sam, my new number is 415 555 0182, save it!", None),
    ("Bugün 19:00'da maç var, 3 bilet aldım. Sen de gel!", None),
    ("Lottery result: winning numbers 04 11 23 35 42 47. Jackpot 12 000 000 TL.", None),
    (
        "Your package will be delivered between 14:00-16:00. Track at "
        "https://track.example.com/TR88120431",
        None,
    ),
    ("Wi-Fi password for Room 1204: sunshine2026", None),
    (
        "Your order 40958127 (total 249,90 TL) is confirmed. To approve the payment enter code "
        "662019 within 3 minutes.",
        "662019",
    ),
    (
        "Amazon: 24 Nov 2026, 14:32 - sign-in attempt from Istanbul. If this was you, enter "
        "448120. Not you? Call 0800 123 4567.",
        "448120",
    ),
    (
        "Akbank: 4321 ile biten kartınızdan 24.11.2026 14:32'de 1.299,00 TL harcama için tek "
        "kullanımlık şifre: 730119",
        "730119",
    ),
    ("Ref 55501234: OTP 8812 for login on 24/11/2026 at 14:30. Do not share.", "8812"),
    ("Sberbank: Перевод 5000 руб. на карту *4421. Код: 77193. Никому не сообщайте.", "77193"),
    ("【中国银行】您尾号4421的卡于11月24日14:32消费1299.00元，验证码558102，请勿泄露。", "558102"),
    ("Ваш код: 1234. Заказ №5678 будет доставлен 24.11 с 10:00 до 14:00.", "1234"),
    ("Kod: 4478\nGeçerlilik: 5 dk\nİşlem: 1.250,00 TL\nTarih: 24.11.2026 14:30", "4478"),
    ("Your verification code: 4-8-2-9-1-0", "482910"),
    ("123456", "123456"),
    ("Your code is\n\n291044\n\nIt expires in 10 minutes.", "291044"),
    ("Code: 0042", "0042"),
    ("OTP - 330912", "330912"),
    ("OTP:330912", "330912"),
    ("otp=330912", None),
    ("Your OTP is 3309. It will expire in 120 seconds.", "3309"),
    ("Enter 738291 on the Acme login page. Never share this code.", "738291"),
    ("Verification code 482 901 (expires in 10 min)", "482901"),
    ("Acme: use code 6Y2K-8M4P to finish signing in.", "6Y2K8M4P"),
    ("Your temporary code is ab7k2q", "ab7k2q"),
    ("<#> Your Yemeksepeti code is 8821 k3Jd9+f2LmA", "8821"),
    ("<#> Kodunuz: 553201\nWf3a+Kd92Lq", "553201"),
    ("PIN kodunuz 4821 olarak belirlenmiştir.", "4821"),
    ("Номер заказа 55501234. Код для получения: 7781", "7781"),
    ("Il codice di accesso è 5512 (valido 5 min)", "5512"),
    ("Tu código es 3 3 0 9", "3309"),
    ("Код подтверждения\xa0—\xa0482\xa0910", "482910"),
    ("인증번호는 [ 882019 ] 입니다. 타인에게 절대 알려주지 마세요.", "882019"),
    ("رمز التحقق ١٢٣٤ صالح لمدة ٥ دقائق", "1234"),
    ("كود التحقق الخاص بك هو: 5521. لا تشاركه مع أي شخص.", "5521"),
    ("Mã OTP của bạn là 662019. Có hiệu lực trong 5 phút.", "662019"),
    ("Jouw verificatiecode is 552 019", "552019"),
    ("Kod weryfikacyjny: 4491. Nie udostępniaj go nikomu.", "4491"),
]

# Payments, travel, and super-apps in India, Latin America, Europe and Asia.
SERVICES: list[Case] = [
    ("Your Bitpanda verification code: 773019", "773019"),
    ("Kraken: your sign-in code is 90 12 44", "901244"),
    ("Use 8120 to log in to Duolingo. It expires in 10 minutes.", "8120"),
    ("Your Hepsiburada Premium membership renews on 24.11.2026 for 39,90 TL/month.", None),
    ("Şifreniz: 773104 - A101", "773104"),
    ("Pegasus: PNR ABC12D, 24.11.2026 SAW-ESB 07:45. Online check-in açıldı.", None),
    ("THY: Rezervasyon kodunuz Y7K2PQ. İyi uçuşlar!", None),
    ("Your DoorDash verification code is: 441902", "441902"),
    ("Your Instacart code: 5592. Reply STOP to cancel.", "5592"),
    (
        "HDFC Bank: OTP for txn of INR 2,499.00 at FLIPKART is 330197. Valid 5 mins. Do "
        "not share OTP with anyone.",
        "330197",
    ),
    ("Paytm: 884102 is your OTP to login. Do not share it with anyone.", "884102"),
    ("Dear Customer, Rs.1,250.00 debited from A/c XX4521 on 24-11-26. Avl Bal Rs.10,432.18", None),
    ("Swiggy: 4417 is your OTP. Please do not share it with anyone.", "4417"),
    ("Zomato OTP: 9013. Valid for 10 minutes.", "9013"),
    ("Tu código de Mercado Pago es 118 294", "118294"),
    (
        "Clave de acceso Santander: 44812 (no la compartas). Si no fuiste tú, llama al "
        "900 123 456.",
        "44812",
    ),
    ("Seu código Nubank é 330-112. Não compartilhe.", "330112"),
    ("iFood: seu pedido #4821 saiu para entrega. Chega em 25 min.", None),
    ("Ihr Zugangscode für DKB: 41 82 90. Gültig 5 Minuten.", "418290"),
    ("Sparkasse: Die pushTAN für Ihre Überweisung von 1.200,00 EUR lautet 662019", "662019"),
    ("Ваш код для оплаты: 7720. Сумма 1 299 ₽. Магазин OZON.", "7720"),
    ("МТС: ваш пароль для входа 4412. Не сообщайте его никому.", "4412"),
    ("Госуслуги: код подтверждения 119 204. Никому его не сообщайте.", "119204"),
    ("【中国移动】您的短信验证码为882019，有效期5分钟。", "882019"),
    ("【12306】您的验证码是：5521，请勿泄露。", "5521"),
    ("【滴滴出行】验证码 7719，用于登录，5分钟内有效。", "7719"),
    ("【LINE】LINEの認証番号は 448921 です。", "448921"),
    ("[PayPay] 確認コード：7712 を入力してください。", "7712"),
    ("[토스] 인증번호 [5520]를 입력하세요.", "5520"),
    ("رمز التحقق لتطبيق كريم: 4412", "4412"),
    ("بنك الراجحي: رمز العملية 55120 لمبلغ 250.00 ريال. لا تشاركه.", "55120"),
    ("Il tuo codice PostePay è 882 019. Non condividerlo.", "882019"),
    ("Codice di sicurezza UniCredit: 71120", "71120"),
    ("Twoj kod BLIK: 882019", "882019"),
    (
        "Netflix: New sign-in from Chrome on Windows, 24 Nov 2026 at 14:32. If this "
        "wasn't you, visit netflix.com/security",
        None,
    ),
    ("Your Discord account was accessed from 185.23.44.12 on 2026-11-24.", None),
    ("Starbucks: Earn 2x Stars on orders over $10 this weekend!", None),
    ("Your verification code is: 0 4 8 2", "0482"),
    ("Code de sécurité : 4 5 1 2 9 0", "451290"),
    ("Your Roblox verification code is 720194", "720194"),
    ("Your Steam account verification code: 2XK9P", "2XK9P"),
    ("Your EA security code is: 504812", "504812"),
    ("PayPal: 408213 is your security code. Don't share your code.", "408213"),
    ("Your Cash App sign-in code is 773-019. Don't share this code with anyone.", "773019"),
]

CORPUS: list[Case] = [
    *ENGLISH,
    *ENGLISH_NEGATIVE,
    *TURKISH,
    *TURKISH_NEGATIVE,
    *SPANISH,
    *PORTUGUESE,
    *GERMAN,
    *FRENCH,
    *ITALIAN,
    *RUSSIAN,
    *CHINESE,
    *JAPANESE,
    *KOREAN,
    *ARABIC,
    *OTHER,
    *WORLDWIDE,
    *CROWDED,
    *SERVICES,
]
