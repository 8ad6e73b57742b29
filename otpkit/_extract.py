"""Find the one-time code in a verification SMS, and pick between a provider's code and the text.

The heuristics look at every number (or digit-bearing token) in the message, join codes written
in groups ("123-456", "123 456"), and score each one: next to a word that means "code" in many
languages it gains, next to a currency, a unit of time, a date, a phone number or an order
number it loses. The best score above a threshold wins; a text with no likely code gives None.
Every regular expression here is either anchored to a short window or free of nested
quantifiers, so a hostile text costs linear time.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["choose_code", "extract_code"]

# A verification code is rarely shorter or longer than this; the provider's field is held to it.
_MIN_CODE, _MAX_CODE = 3, 10
# The few numbers of an SMS sit well within this many tokens; a text with more (a megabyte of
# digits) is not scored further, which keeps its cost bounded.
_MAX_TOKENS = 200
# How far (in characters) context is looked for around a token.
_WINDOW = 80
# Scores are in rough points: a 6-digit number is worth 3, a code word right beside it 5, a
# price or a date around it -8 or so. A lone number with no code word must be 6 digits, or the
# whole message, to pass; a 3-digit one passes only beside a code word ("OTP is 545").
_THRESHOLD = 2.5
# A token scored this low from its surroundings alone is no rival for a nearby code word.
_HOPELESS = -3.0

# --- normalisation ---------------------------------------------------------------------------

# Invisible format characters (bidi marks, zero-width spaces, joiners, BOM, soft hyphen, tags)
# and emoji modifiers, which senders or copy-paste put inside codes: they are dropped outright.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u20e3\ufe00-\ufe0f\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)
_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_DASH = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
# Full-width letters ("ＡＢＣ", common in CJK messages) are ASCII in disguise; full-width
# punctuation stays, as "，" ends a clause where "," would split a number.
_WIDE_LETTER = re.compile("[\uff21-\uff3a\uff41-\uff5a]")
_OTHER_DIGIT = re.compile(r"[^\D0-9]")  # a digit, but not an ASCII one
_MAX_SWAPS = 24


def _swap_each(text: str, found: re.Pattern[str], swap: Callable[[str], str]) -> str:
    """Replace every character ``found`` matches by ``swap(character)``, one kind at a time."""
    # One str.replace per distinct character runs at C speed; str.translate with a mapping
    # costs a dictionary look-up per character, several times slower on a long text.
    position = 0
    for _ in range(_MAX_SWAPS):
        match = found.search(text, position)
        if match is None:
            return text
        char = match.group()
        replacement = swap(char)
        text = text.replace(char, replacement)
        position = match.start() if replacement != char else match.end()
    # A text mixing many scripts' digits: one pass with a table beats a pass per character.
    table = {ord(c): swap(c) for c in set(found.findall(text, position))}
    return text.translate(table)


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return char if value is None else str(value)


def _normalise(text: str) -> str:
    """Text with invisible characters dropped, spaces and dashes plain, and digits ASCII."""
    if text.isascii():
        return text
    text = _swap_each(text, _OTHER_DIGIT, _ascii_digit)
    text = _swap_each(text, _WIDE_LETTER, lambda c: chr(ord(c) - 0xFEE0))
    text = _SPACE.sub(" ", text)
    text = _DASH.sub("-", text)
    return _INVISIBLE.sub("", text)


# --- vocabulary -----------------------------------------------------------------------------

_STRONG_WORDS = (
    # "code" is left unbounded on the left so that German compounds (Bestätigungscode) count.
    r"code|c[oó]digo|codice|\bcod\b|\bkode\b|\bkod\w*|\botp\b|\bpin\b|(?:\b|mobile|sms|push|m)tan\b"
    r"|one[- ]?time"
    r"|passcode|password|passwort|kennwort|mot de passe|contrase[ñn]a|\bsenha\b|\bclave\b"
    r"|[şs]ifre\w*|\bparola\w*|\bкод\w*|\bпарол\w*|رمز|كود|קוד|κωδικ\w*|รหัส|\bmã\b|कोड|ओटीपी"
    r"|验证码|驗證碼|校验码|校驗碼|动态码|動態碼|确认码|確認碼|认证码|認證碼|登录码|授权码|安全码"
    r"|动态密码|短信码|口令|密码|コード|認証番号|確認番号|暗証番号|パスワード|パスコード"
    r"|인증\s?번호|인증코드|확인번호|승인번호|코드|비밀번호"
)
_WEAK_WORDS = (
    r"\b(?:verif\w*|v[ée]rif\w*|confirm\w*|conferma\w*|bestätig\w*|authent\w*|autentic\w*"
    r"|log[- ]?in|sign[- ]?in|anmeld\w*|accedi|acceso|accès|doğrula\w*|dogrula\w*|giri[şs]\w*"
    r"|onay\w*|güvenlik|security|sécurité|seguridad|sicherheit\w*|activat\w*|aktivasyon\w*"
    r"|подтвержд\w*|вход\w*|авториз\w*)"
    # Imperatives that hand the reader a code: "enter 448120", "use 650 219 to verify".
    r"|\b(?:enter|use|type|input|gir(?:in|iniz)?|kullan(?:ın|ınız)?|введите|ingres[ae]|introduc[ei]"
    r"|insira|digite|eingeben|geben sie|saisissez|entrez|inserisci)\b"
    r"|验证|驗證|登录|登錄|认证|确认|認証|確認|ログイン|인증|확인|로그인|تحقق|تأكيد|تفعيل"
    r"|输入|輸入|入力|입력|أدخل"
)
_KEYWORDS = re.compile(f"(?P<strong>{_STRONG_WORDS})|(?P<weak>{_WEAK_WORDS})", re.IGNORECASE)

# Words after which a number is something else; each kind with how close it must be.
_LABEL_REACH = {"ref": 24, "near": 14, "phone": 26, "promo": 26, "optout": 16}
_LABELS = re.compile(
    r"(?P<promo>\b(?:promo\w*|coupon\w*|kupon\w*|discount\w*|indirim\w*|voucher\w*|gift|"
    r"hediye\w*|referral|invite|davet\w*|rabatt\w*|gutschein\w*|aktionscode|descuento\w*|"
    r"cup[oó]n\w*|promocional|réduction|sconto|промокод\w*|скидк\w*|купон\w*|kampanya\w*|"
    r"checkout|sepette|off\b|sale\b)"
    r"(?:\s*-?\s*(?:code|kodu?\w*|c[oó]digo))?|优惠码?|折扣码?|邀请码|クーポン\w*|할인\s?코드|쿠폰|خصم)"
    r"|(?P<ref>\b(?:(?:tracking|zip|postal|post|area|country|error|product|order|booking|bar|qr"
    r"|reservation|ticket|posta|takip|hata|ürün|urun|sipariş|siparis|rezervasyon|bilet)"
    r"\s*-?\s*(?:codes?|kodu?\w*)|order\w*|ref\b\.?"
    r"|reference|referans\w*|invoice|receipt|tracking|shipment|booking|reservation|rezervasyon\w*"
    r"|pnr|ticket|bilet\w*|transaction|txn|sipari[şs]\w*|fatura\w*|takip\w*|kargo\w*|gönderi\w*"
    r"|pedido\w*|factura|seguimiento|reserva|commande|facture|suivi|bestell\w*|auftrag\w*"
    r"|rechnung\w*|sendung\w*|ordine|fattura|spedizione|encomenda|заказ\w*|номер\w*|сч[её]т\w*"
    r"|mersis\w*|plate|plaka\w*|flight|uçuş\w*|room|oda|gate|kapı|seat|koltuk|row|block|blok"
    r"|platform|peron|salon|sıra)|código postal|订单\w*|單號|单号|快递|运单|注文|주문)"
    r"|(?P<near>\b(?:account|acct|hesap\w*|iban|no\b\.?|nr\b\.?|customer|müşteri|card|kart\w*"
    r"|ending(?: in)?|ends? (?:in|with)|hanesi|abone\w*)|№)"
    r"|(?P<phone>\b(?:call|tel|telephone|phone|mobile|hotline|helpline|ara|arayın\w*|arayabilir\w*"
    r"|iletişim|çağrı merkezi|llam[ae]\w*|teléfono|anruf\w*|rufen|appele[rz]|téléphone|chiama\w*"
    r"|ligue|звон\w*|тел|телефон\w*|whatsapp hattı)\b\.?|电话|致电|客服|전화|اتصل|هاتف)"
    r"|(?P<optout>\b(?:stop|unsubscribe|opt[- ]?out|ret|iptal|red|durdur\w*|стоп|отписк\w*)\b"
    r"|退订|回复TD)",
    re.IGNORECASE,
)
_MAX_REACH = max(_LABEL_REACH.values())
_PROMO_AFTER = 16  # "SAVE20 for 20% off": a promotion word this close after a token
_LABEL_PENALTY = {"ref": 7.0, "near": 6.0, "phone": 7.0, "promo": 8.0, "optout": 7.0}

_CURRENCY_SIGNS = r"[$€£¥₺₽₹₩₪฿￥]"
_CURRENCY_CODES = r"(?:TL|TRY|USD|EUR|GBP|RUB|INR|CNY|RMB|JPY|KRW|BRL|MXN|AED|SAR|CHF|PLN|UAH|KZT)"
_CURRENCY_BEFORE = re.compile(
    rf"(?:{_CURRENCY_SIGNS}|\b{_CURRENCY_CODES}|\bRs\b\.?|R\$|(?i:\b(?:tutar\w*|amount|total"
    rf"|toplam|сумма|importe|betrag|montant|balance|bakiye\w*))|金额|金額|금액)\s*:?\s*$"
)
_CURRENCY_AFTER = re.compile(
    rf"\s*(?:{_CURRENCY_SIGNS}|{_CURRENCY_CODES}\b|(?i:lira\b|dollars?\b|euros?\b|pounds?\b"
    r"|kuru[şs]\b|krş|руб\w*|р\.|reais\b|real\b|pesos?\b|rupees?\b|yuan\b|yen\b)"
    r"|元|円|원|ريال|درهم|جنيه|دولار|يورو)"
)
_UNIT_AFTER = re.compile(
    r"\s*-?\s*(?:(?i:(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?|years?"
    r"|dk|dakika\w*|saniye\w*|sn|saat\w*|gün\w*|hafta\w*|yıl\w*|minutos?|segundos?|horas?"
    r"|d[ií]as?|minuten|sekunden|stunden?|tage?n?|minutes?|secondes?|heures?|jours?|minuti"
    r"|secondi|ore|giorni|мин\w*|сек\w*|час\w*|дн\w*|сут\w*|km|kg|gb|mb|tb|kb|ml|mah|adet"
    r"|pcs|pieces?|units?|puan\w*|points?|pts|bonus|miles?|kişi\w*|people|persons?|kez|times"
    r"|ürün\w*|products?|items?|stück|шт\w*|балл\w*|бонус\w*)\b)"
    r"|分钟|分鐘|分|秒|小时|小時|天|分間|時間|日|件|个|個|积分|ポイント|点|분|초|시간|일|포인트|개"
    r"|دقائق|دقيقة|ثانية|ساعة|يوم)"
)
_PERCENT_AFTER = re.compile(r"\s?%")
_PERCENT_BEFORE = re.compile(r"%\s?$")
# Part of a decimal, a thousands group, a date, a time or a fraction: "19.99", "1.250,00",
# "24.11.2026", "14:30", "1/2".
_NUMBER_AFTER = re.compile(r"[.,/:]\d")
_NUMBER_BEFORE = re.compile(r"\d[.,/:]$")
_MASKED_BEFORE = re.compile(r"[*xX•]{2,}\s*$")
_CARD_AFTER = re.compile(r"\s*(?:ile (?:biten|başlayan|baslayan|sona eren))", re.IGNORECASE)
_OPTOUT_AFTER = re.compile(
    r"'?[a-zçğıöşü]{0,3}\s*(?:ücretsiz\s*|ucretsiz\s*)?(?:gönder|gonder|numarasına|numarasina)",
    re.IGNORECASE,
)
_PREFIX_BEFORE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}-$")  # Google's "G-123456"
_PATH_CHARS = "/=?&@"
_URLISH = re.compile(r"://|www\.|\.(?:com|net|org|io|me|ly|co|gl|gg|to|app|link|tr|ru|cn)/", re.I)
# A sentence ends here; "Rs. 500" and "No. 12" (short abbreviations) do not end one.
_BREAK = re.compile(r"(?<=\w\w\w)[.!?](?=\s|$)|[。！？\n]")
_YEAR = re.compile(r"(?:19|20)\d\d")
# "24 Nov 2026", "Nov 24, 2026", "24 ноября 2026": a year after a month.
_MONTH_BEFORE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|ocak|şubat|mart|nisan|mayıs|haziran"
    r"|temmuz|ağustos|eylül|ekim|kasım|aralık|ene|abr|ago|dic|janv|févr|avr|mai|juin|juil|août"
    r"|déc|mär|okt|dez|gen|giu|lug|ott|янв|фев|мар|апр|ма|июн|июл|авг|сен|окт|ноя|дек)\w*\.?"
    r"(?:\s*\d{1,2}(?:st|nd|rd|th)?)?,?\s*$",
    re.IGNORECASE,
)
_SIGNATURE_BEFORE = re.compile(r"【[^】]{0,20}$")
_SIGNATURE_AFTER = re.compile(r"[^【]{0,20}】")
_WORDY = re.compile(r"[A-Za-z]{4,}\d{1,4}")
# A label close by counts only when nothing but punctuation (or "no", "number") separates it.
_NEAR_GAP = re.compile(r"(?:[\W_]|(?i:no|number|nr|in|with))*")
_UNIT_TOKEN = re.compile(
    r"\d+(?:st|nd|rd|th|[smhdgx]|min|sec|hrs?|dk|sn|gb|mb|kb|tb|km|kg|ml|mah|tl|usd|eur|am|pm|fps"
    r"|hz|mp|px|gen|ci)|(?:tl|usd|eur|rs|no|nr|tr|v|x+)\d+",
    re.IGNORECASE,
)

# A run of ASCII letters and digits containing a digit. The look-behind lets a run be tried only
# from its first character, so the letter prefix is scanned once per run (no quadratic retry).
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]*[0-9][A-Za-z0-9]*")
_SEPARATORS = frozenset({" ", "-", " - "})
_PHONES = re.compile(
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d[\d .-]{5,14}\d"
    r"|(?<![\w+])0\d{2,4}[ .-]?\d{3}[ .-]?\d{2}[ .-]?\d{2}(?!\d)"
    r"|(?<![\w+])(?:1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)"
)
_WEBOTP = re.compile(r"^[ \t]*@[^\s#@]{1,253}[ \t]+#([A-Za-z0-9]{3,10})(?=\s|$)", re.MULTILINE)
# Android's SMS Retriever appends an 11-character hash of the app to the message.
_APP_HASH = re.compile(r"[A-Za-z0-9+/]{11}")
_CODE_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(slots=True)
class _Candidate:
    value: str
    start: int
    end: int
    digits: bool
    chain: str = ""  # the separator of a group it belongs to and could not be joined with


def _chains(text: str, limit: int) -> tuple[list[list[re.Match[str]]], list[str]]:
    """Tokens grouped by the single separators between them, with each group's separator."""
    groups: list[list[re.Match[str]]] = []
    seps: list[str] = []
    for index, match in enumerate(_TOKEN.finditer(text)):
        if index >= limit:
            break
        if groups:
            gap = text[groups[-1][-1].end() : match.start()]
            if gap in _SEPARATORS and (len(groups[-1]) == 1 or gap == seps[-1]):
                groups[-1].append(match)
                seps[-1] = gap
                continue
        groups.append([match])
        seps.append("")
    return groups, seps


def _uniform_case(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return all(c.isupper() for c in letters) or all(c.islower() for c in letters)


def _acceptable(token: str) -> bool:
    if token.isdigit():
        return _MIN_CODE <= len(token) <= _MAX_CODE
    # Letters and digits: a code like "AB12CD", but not "10min", "iPhone15" or "256GB".
    return (
        4 <= len(token) <= _MAX_CODE
        and _uniform_case(token)
        and _UNIT_TOKEN.fullmatch(token) is None
    )


def _joinable(parts: list[str]) -> bool:
    lengths = [len(p) for p in parts]
    if max(lengths) == 1:  # "7 1 3 3 9 0", spelled out digit by digit
        return 4 <= len(parts) <= 8 and "".join(parts).isdigit()
    if not 2 <= len(parts) <= 4 or max(lengths) - min(lengths) > 1 or min(lengths) < 2:
        return False
    if (len(parts) == 2 and min(lengths) < 3) or sum(lengths) > _MAX_CODE:
        return False
    joined = "".join(parts)
    return joined.isdigit() or (
        _uniform_case(joined) and all(any(c.isdigit() for c in p) for p in parts)
    )


def _candidates(text: str) -> list[_Candidate]:
    groups, seps = _chains(text, _MAX_TOKENS)
    found: list[_Candidate] = []
    for group, sep in zip(groups, seps, strict=True):
        parts = [m.group() for m in group]
        if len(group) > 1 and _joinable(parts):
            value = "".join(parts)
            found.append(_Candidate(value, group[0].start(), group[-1].end(), value.isdigit()))
            continue
        for match in group:
            token = match.group()
            if _acceptable(token):
                chain = sep if len(group) > 1 else ""
                found.append(_Candidate(token, match.start(), match.end(), token.isdigit(), chain))
    return found


def _length_score(candidate: _Candidate) -> float:
    if not candidate.digits:
        # Letters and digits mix in codes but also in model names, plates and promo codes.
        return -1.0
    return {3: 0.5, 4: 2.0, 5: 2.5, 6: 3.0, 7: 2.5, 8: 2.0}.get(len(candidate.value), 0.5)


def _keyword_bonus(gap: str, strong: bool, crowded: bool) -> float:
    size = len(gap)
    if size <= 4:
        bonus = 5.0
    elif size <= 14:
        bonus = 4.5
    elif size <= 32:
        bonus = 3.5
    elif size <= 60:
        bonus = 2.5
    elif size <= _WINDOW:
        bonus = 1.5
    else:
        return 0.0
    if not strong:
        bonus *= 0.6
    if _BREAK.search(gap):
        bonus -= 1.5
    if crowded:  # another likely number is closer to the word, which most likely speaks of it
        bonus /= 3
    return max(bonus, 0.0)


def _windows(candidates: list[_Candidate], size: int) -> list[tuple[int, int]]:
    """The stretches of text within reach of some candidate, merged where they overlap."""
    merged: list[tuple[int, int]] = []
    for cand in candidates:
        low, high = max(0, cand.start - _WINDOW - 40), min(size, cand.end + _WINDOW + 40)
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


class _Context:
    """What surrounds the tokens of one text: code words, labels and phone numbers."""

    def __init__(self, text: str, candidates: list[_Candidate]) -> None:
        self.text = text
        labels: list[re.Match[str]] = []
        keywords: list[re.Match[str]] = []
        phones: list[re.Match[str]] = []
        # Only the stretches around tokens are searched, so a long text costs no more than
        # its tokens do.
        for low, high in _windows(candidates, len(text)):
            labels += _LABELS.finditer(text, low, high)
            keywords += _KEYWORDS.finditer(text, low, high)
            phones += _PHONES.finditer(text, low, high)
        self.promotional = any(m.lastgroup == "promo" for m in labels)
        # Matches of one pattern do not overlap, so each list is sorted by start and by end.
        self.labels = [(m.start(), m.end(), m.lastgroup or "") for m in labels]
        self.label_starts = [start for start, _, _ in self.labels]
        self.label_ends = [end for _, end, _ in self.labels]
        self.keywords = [
            (m.start(), m.end(), m.lastgroup == "strong")
            for m in keywords
            if not self._inside_label(m.start(), m.end())
        ]
        self.keyword_starts = [start for start, _, _ in self.keywords]
        self.keyword_ends = [end for _, end, _ in self.keywords]
        self.strong_starts = [start for start, _, strong in self.keywords if strong]
        self.phones = [(m.start(), m.end()) for m in phones]
        self.phone_starts = [start for start, _ in self.phones]

    def _inside_label(self, start: int, end: int) -> bool:
        # "promo code", "tracking code": the word belongs to a label, not to a code.
        index = bisect_right(self.label_starts, start) - 1
        return index >= 0 and self.label_ends[index] >= end

    def _strong_between(self, low: int, high: int) -> bool:
        index = bisect_left(self.strong_starts, low)
        return index < len(self.strong_starts) and self.strong_starts[index] < high

    def keyword_score(self, cand: _Candidate, rivals: list[int]) -> float:
        """Bonus for the nearest code word; ``rivals`` are the starts of other likely codes."""
        best = 0.0
        before = bisect_left(self.keyword_ends, cand.start - _WINDOW)
        after = bisect_right(self.keyword_starts, cand.end + _WINDOW)
        for start, end, strong in self.keywords[before:after]:
            if end <= cand.start:
                low, high = end, cand.start
            elif start >= cand.end:
                low, high = cand.end, start
            else:
                continue
            index = bisect_left(rivals, low)
            crowded = index < len(rivals) and rivals[index] < high
            best = max(best, _keyword_bonus(self.text[low:high], strong, crowded))
        return best

    def label_penalty(self, cand: _Candidate) -> float:
        penalty = 0.0
        first = bisect_left(self.label_ends, cand.start - _MAX_REACH)
        last = bisect_right(self.label_starts, cand.end + _PROMO_AFTER)
        for start, end, kind in self.labels[first:last]:
            if end <= cand.start and cand.start - end <= _LABEL_REACH.get(kind, 0):
                gap = self.text[end : cand.start]
                if _BREAK.search(gap) or (kind == "near" and not _NEAR_GAP.fullmatch(gap)):
                    continue
                # "Order 5521, your code is 482910": the code word speaks of the later number.
                if self._strong_between(end, cand.start):
                    continue
            elif kind == "promo" and cand.end <= start:
                if _BREAK.search(self.text[cand.end : start]):  # "SAVE20 for 20% off"
                    continue
            else:
                continue
            penalty = max(penalty, _LABEL_PENALTY.get(kind, 0.0))
        if penalty and self._named_after(cand):
            penalty /= 2  # "Nintendo Account: 3918 is your verification code"
        return penalty

    def _named_after(self, cand: _Candidate) -> bool:
        """Whether a code word follows the token closely, in the same sentence."""
        index = bisect_left(self.strong_starts, cand.end)
        if index == len(self.strong_starts) or self.strong_starts[index] - cand.end > 32:
            return False
        return not _BREAK.search(self.text[cand.end : self.strong_starts[index]])

    def in_phone(self, cand: _Candidate) -> bool:
        index = bisect_left(self.phone_starts, cand.end) - 1
        return index >= 0 and self.phones[index][1] > cand.start


def _in_url(text: str, cand: _Candidate) -> bool:
    before = text[cand.start - 1] if cand.start else " "
    after = text[cand.end] if cand.end < len(text) else " "
    if before in _PATH_CHARS or after in "/@":
        return True
    left = text[max(0, cand.start - 80) : cand.start]
    right = text[cand.end : cand.end + 80]
    word = (left.split() or [""])[-1] if left and not left[-1].isspace() else ""
    word += "0" + ((right.split() or [""])[0] if right and not right[0].isspace() else "")
    return "@" in word or _URLISH.search(word) is not None


def _surroundings(text: str, cand: _Candidate) -> float:
    """Score from the characters right around a token: currencies, units, dates, prefixes."""
    before = text[max(0, cand.start - 24) : cand.start]
    after = text[cand.end : cand.end + 24]
    score = 0.0
    if _CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.match(after):
        score -= 9
    if _PERCENT_AFTER.match(after) or _PERCENT_BEFORE.search(before):
        score -= 8
    if _NUMBER_AFTER.match(after) or _NUMBER_BEFORE.search(before):
        score -= 8
    if _UNIT_AFTER.match(after):
        score -= 8
    if _MASKED_BEFORE.search(before) or _CARD_AFTER.match(after) or _OPTOUT_AFTER.match(after):
        score -= 7
    if before.endswith("#"):
        score -= 1.5
    if cand.chain.strip() == "-":
        score -= 3  # "2026-11-24", "123-4567890-1234567": a group that is not a split code
    if cand.digits and len(cand.value) == 4 and _YEAR.fullmatch(cand.value):
        score -= 6 if _MONTH_BEFORE.search(before) or after.startswith("年") else 2
    if not cand.digits and _WORDY.fullmatch(cand.value):
        score -= 2  # "WELCOME15", "SOMMER25": a word with a number is how promo codes look
    if _PREFIX_BEFORE.search(before):
        score += 2
    if _SIGNATURE_BEFORE.search(before) and _SIGNATURE_AFTER.match(after):
        score -= 8  # "【12306】", "【中国银行95566】": the sender's signature in Chinese texts
    return score


def _hash_span(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    start = max(stripped.rfind(" "), stripped.rfind("\n"), stripped.rfind("\t")) + 1
    last = stripped[start:]
    if _APP_HASH.fullmatch(last) and not last.isdigit():
        return start, len(stripped)
    return 0, 0


def _best(text: str, length: int | None) -> str | None:
    hash_start, hash_end = _hash_span(text)
    found = [
        c
        for c in _candidates(text)
        if not (c.start < hash_end and hash_start < c.end) and not _in_url(text, c)
    ]
    if not found:
        return None
    context = _Context(text, found)
    own = []
    for cand in found:
        score = _length_score(cand) + _surroundings(text, cand) - context.label_penalty(cand)
        if context.in_phone(cand):
            score -= 10
        if not cand.digits and context.promotional:
            score -= 3
        own.append(score)
    rivals = sorted(c.start for c, score in zip(found, own, strict=True) if score > _HOPELESS)
    alone = len(found) == 1
    short = len(text.strip()) - (found[0].end - found[0].start) <= 20
    # A caller who names the length has said what to look for: a little less evidence will do.
    threshold = _THRESHOLD - (0.5 if length else 0.0)
    best: tuple[float, int] | None = None
    for index, cand in enumerate(found):
        if length is not None and len(cand.value) != length:
            continue
        keyword = context.keyword_score(cand, rivals)
        score = own[index] + (keyword or -1.5)
        if alone:
            score += 2.0 if short else 1.0
        if index == 0:
            score += 0.25
        if score >= threshold and (best is None or score > best[0]):
            best = (score, index)
    return None if best is None else found[best[1]].value


def _by_pattern(text: str, pattern: re.Pattern[str], length: int | None) -> str | None:
    for match in pattern.finditer(text):
        value = match.group(1) if pattern.groups else match.group()
        if value is None:
            continue
        value = _CODE_SEPARATORS.sub("", value)
        if value and (length is None or len(value) == length):
            return value
    return None


def _check_length(length: int | None) -> None:
    if length is not None and length < 1:
        raise ValueError(f"length must be positive, not {length}")


def extract_code(
    text: str,
    *,
    length: int | None = None,
    pattern: str | re.Pattern[str] | None = None,
) -> str | None:
    r"""Return the verification code in an SMS ``text``, or None when it has none.

    Codes written in groups come back joined and with ASCII digits. ``length`` keeps only codes
    of that many characters (it must be positive). ``pattern`` replaces the heuristics: the
    first match's first group (or the whole match when it has no group) is returned, without
    spaces or hyphens. Any text is accepted, and a long one costs linear time.

    >>> extract_code("G-482910 is your Google verification code.")
    '482910'
    >>> extract_code("Your WhatsApp code: 123-456. Valid for 10 minutes.")
    '123456'
    >>> extract_code("您的验证码是１２３４５６，5分钟内有效")
    '123456'
    >>> extract_code("Order #98765432 shipped, total $19.99") is None
    True
    >>> extract_code("Ref 7781. PIN: 4821", pattern=r"PIN: (\d+)")
    '4821'
    """
    _check_length(length)
    normal = _normalise(text)
    if pattern is not None:
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        return _by_pattern(normal, compiled, length)
    # The WebOTP line names the code for a browser; it is authoritative when present.
    webotp = None
    for match in _WEBOTP.finditer(normal):
        webotp = match.group(1)
    if webotp is not None and (length is None or len(webotp) == length):
        return webotp
    return _best(normal, length)


_PREFIXED = re.compile(r"[A-Za-z]{1,3}-(\d{3,10})")
_PLAUSIBLE = re.compile(r"[A-Za-z0-9]{3,10}")


def _clean_provider_code(code: str) -> str:
    code = _normalise(code).strip()
    prefixed = _PREFIXED.fullmatch(code)
    return prefixed.group(1) if prefixed else _CODE_SEPARATORS.sub("", code)


def _appears_in(code: str, text: str) -> bool:
    """Whether ``code`` is written in ``text`` as a whole, possibly split by separators."""
    edge = "0-9" if code.isdigit() else "A-Za-z0-9"
    spread = r"[\s\-]?".join(re.escape(c) for c in code)
    return re.search(f"(?<![{edge}]){spread}(?![{edge}])", text, re.IGNORECASE) is not None


def choose_code(
    provider_code: str | None,
    text: str | None,
    *,
    length: int | None = None,
    pattern: str | re.Pattern[str] | None = None,
) -> str | None:
    """The provider's own ``code`` when plausible and consistent with ``text``, else extraction.

    A provider code is plausible with 3 to 10 letters or digits, at least one a digit (fields
    such as "null" or "wait" are not codes), and the given ``length`` and ``pattern``. When
    ``text`` has digits the code must also be written in it; otherwise the text is trusted.

    >>> choose_code("482910", "Doğrulama kodunuz: 482 910")
    '482910'
    >>> choose_code("111111", "Your code is 482910")
    '482910'
    """
    _check_length(length)
    normal = _normalise(text) if text else ""
    if provider_code is not None:
        code = _clean_provider_code(provider_code)
        plausible = (
            _PLAUSIBLE.fullmatch(code) is not None
            and (any(c.isdigit() for c in code) or (bool(normal) and _appears_in(code, normal)))
            and (length is None or len(code) == length)
        )
        if plausible and pattern is not None:
            compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
            from_text = _by_pattern(normal, compiled, length) if normal else None
            plausible = code in (from_text, _by_pattern(code, compiled, length))
        has_digits = any(c.isdigit() for c in normal)
        if plausible and (not has_digits or _appears_in(code, normal)):
            return code
    return extract_code(normal, length=length, pattern=pattern) if normal else None
