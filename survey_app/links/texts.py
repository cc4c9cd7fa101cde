"""The fixed texts of the public pages, in the languages the built-in surveys speak.

A respondent must read the privacy notice, a closed-link message or the poster's
instructions in the survey's own language, before the interface as a whole is translated
with Flask-Babel. These are kept here as plain data (one key, one text per language) so
they can be moved into the Babel catalogues as they are. The French, Arabic and Swahili
texts were written without a native speaker: they need review before wide use. A survey
language missing here (e.g. Chichewa) falls back to English.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "notice_heading": {
        "en": "Before you start",
        "fr": "Avant de commencer",
        "ar": "قبل أن تبدأ",
        "sw": "Kabla ya kuanza",
    },
    "notice_kept": {
        "en": "What is kept: only your answers to the questions below, the time you started and "
        "finished, and which link you used.",
        "fr": "Ce qui est gardé : seulement vos réponses aux questions ci-dessous, l'heure à "
        "laquelle vous avez commencé et fini, et le lien que vous avez utilisé.",
        "ar": "ما يُحفظ: إجاباتك على الأسئلة أدناه فقط، ووقت البدء والانتهاء، والرابط الذي استخدمته.",
        "sw": "Kinachohifadhiwa: majibu yako kwa maswali yaliyo hapa chini tu, saa ulipoanza na "
        "kumaliza, na kiungo ulichotumia.",
    },
    "notice_not_kept": {
        "en": "What is not kept: your name, phone number, address or location, your internet "
        "address (IP), or what phone or browser you use. You need no account.",
        "fr": "Ce qui n'est pas gardé : votre nom, votre numéro de téléphone, votre adresse ou "
        "position, votre adresse internet (IP), ni le téléphone ou le navigateur que vous "
        "utilisez. Aucun compte n'est nécessaire.",
        "ar": "ما لا يُحفظ: اسمك، رقم هاتفك، عنوانك أو موقعك، عنوان الإنترنت (IP)، "
        "ولا نوع الهاتف أو المتصفح الذي تستخدمه. لا تحتاج إلى حساب.",
        "sw": "Kisichohifadhiwa: jina lako, namba ya simu, anwani au mahali ulipo, anwani yako "
        "ya intaneti (IP), wala aina ya simu au kivinjari unachotumia. Huhitaji akaunti.",
    },
    "notice_phone": {
        "en": "Until they are sent, your answers are kept on this phone. On a shared phone, "
        "send or delete your answers before you hand it on.",
        "fr": "Tant qu'elles ne sont pas envoyées, vos réponses restent sur ce téléphone. Sur un "
        "téléphone partagé, envoyez ou effacez vos réponses avant de le passer à quelqu'un.",
        "ar": "تبقى إجاباتك على هذا الهاتف حتى يتم إرسالها. إذا كان الهاتف مشتركاً، "
        "أرسل إجاباتك أو احذفها قبل أن تعطيه لشخص آخر.",
        "sw": "Mpaka yatakapotumwa, majibu yako yanabaki kwenye simu hii. Kwenye simu ya "
        "kushirikiana, tuma au futa majibu yako kabla ya kumpa mtu mwingine.",
    },
    "submit": {
        "en": "Finish and send",
        "fr": "Terminer et envoyer",
        "ar": "إنهاء وإرسال",
        "sw": "Maliza na utume",
    },
    "check_answers": {
        "en": "Please check these answers:",
        "fr": "Veuillez vérifier ces réponses :",
        "ar": "يرجى مراجعة هذه الإجابات:",
        "sw": "Tafadhali angalia majibu haya:",
    },
    "honeypot": {
        "en": "Leave this field empty",
        "fr": "Laissez ce champ vide",
        "ar": "اترك هذا الحقل فارغاً",
        "sw": "Acha sehemu hii tupu",
    },
    "language": {"en": "Language", "fr": "Langue", "ar": "اللغة", "sw": "Lugha"},
    "thanks_title": {"en": "Thank you", "fr": "Merci", "ar": "شكراً لك", "sw": "Asante"},
    "thanks_body": {
        "en": "Your answers were received. Nothing about who you are was recorded.",
        "fr": "Vos réponses ont été reçues. Rien sur qui vous êtes n'a été enregistré.",
        "ar": "وصلت إجاباتك. لم يُسجَّل أي شيء عن هويتك.",
        "sw": "Majibu yako yamepokelewa. Hakuna kinachoonyesha wewe ni nani kilichohifadhiwa.",
    },
    "thanks_again": {
        "en": "Give another answer (for the next person on this phone)",
        "fr": "Donner une autre réponse (pour la personne suivante sur ce téléphone)",
        "ar": "إجابة جديدة (للشخص التالي على هذا الهاتف)",
        "sw": "Toa jibu jingine (kwa mtu anayefuata kwenye simu hii)",
    },
    "closed_paused": {
        "en": "This form is paused for now. Try again later, or ask the person who gave you the link.",
        "fr": "Ce formulaire est suspendu pour le moment. Réessayez plus tard, ou demandez à la "
        "personne qui vous a donné le lien.",
        "ar": "هذا النموذج متوقف مؤقتاً. حاول لاحقاً، أو اسأل الشخص الذي أعطاك الرابط.",
        "sw": "Fomu hii imesimamishwa kwa sasa. Jaribu tena baadaye, au muulize aliyekupa kiungo.",
    },
    "closed_expired": {
        "en": "This form is closed: the time for answers is over. Thank you for your interest.",
        "fr": "Ce formulaire est fermé : la période de réponse est terminée. Merci de votre intérêt.",
        "ar": "هذا النموذج مغلق: انتهى وقت الإجابات. شكراً لاهتمامك.",
        "sw": "Fomu hii imefungwa: muda wa kujibu umekwisha. Asante kwa nia yako.",
    },
    "closed_full": {
        "en": "This form is closed: it has received all the answers it was opened for. Thank you.",
        "fr": "Ce formulaire est fermé : il a reçu toutes les réponses prévues. Merci.",
        "ar": "هذا النموذج مغلق: وصله العدد الكامل من الإجابات المطلوبة. شكراً لك.",
        "sw": "Fomu hii imefungwa: imepokea majibu yote yaliyokusudiwa. Asante.",
    },
    "closed_revoked": {
        "en": "This link was withdrawn and no longer works. Ask the person who gave it to you for a new one.",
        "fr": "Ce lien a été retiré et ne fonctionne plus. Demandez-en un nouveau à la personne "
        "qui vous l'a donné.",
        "ar": "تم سحب هذا الرابط ولم يعد يعمل. اطلب رابطاً جديداً من الشخص الذي أعطاك إياه.",
        "sw": "Kiungo hiki kimeondolewa na hakifanyi kazi tena. Muulize aliyekupa kiungo kipya.",
    },
    "closed_not_found": {
        "en": "This link does not exist. Check the address, or ask the person who gave it to you.",
        "fr": "Ce lien n'existe pas. Vérifiez l'adresse, ou demandez à la personne qui vous l'a donné.",
        "ar": "هذا الرابط غير موجود. تحقق من العنوان، أو اسأل الشخص الذي أعطاك إياه.",
        "sw": "Kiungo hiki hakipo. Hakikisha anwani, au muulize aliyekupa.",
    },
    "closed_title": {
        "en": "This form is closed",
        "fr": "Ce formulaire est fermé",
        "ar": "هذا النموذج مغلق",
        "sw": "Fomu hii imefungwa",
    },
    "closed_unsent": {
        "en": "Answers that this phone filled in while the form was open will still be sent "
        "when it is online.",
        "fr": "Les réponses remplies sur ce téléphone pendant que le formulaire était ouvert "
        "seront quand même envoyées dès qu'il sera en ligne.",
        "ar": "الإجابات التي مُلئت على هذا الهاتف عندما كان النموذج مفتوحاً ستُرسل عند الاتصال بالإنترنت.",
        "sw": "Majibu yaliyojazwa kwenye simu hii fomu ilipokuwa wazi bado yatatumwa ikiwa mtandaoni.",
    },
    "late_refused": {
        "en": "This answer was started after the link closed, so it cannot be sent through it. "
        "Save a backup file and give it to the group's facilitator.",
        "fr": "Cette réponse a été commencée après la fermeture du lien : elle ne peut pas être "
        "envoyée par ce lien. Enregistrez un fichier de sauvegarde et donnez-le à l'animateur "
        "du groupe.",
        "ar": "بدأت هذه الإجابة بعد إغلاق الرابط، فلا يمكن إرسالها من خلاله. "
        "احفظ ملفاً احتياطياً وأعطه لميسّر المجموعة.",
        "sw": "Jibu hili lilianzishwa baada ya kiungo kufungwa, kwa hiyo haliwezi kutumwa kupitia "
        "kiungo hicho. Hifadhi faili ya akiba na umpe mwezeshaji wa kikundi.",
    },
    "revoked_refused": {
        "en": "This link was withdrawn: answers can no longer be sent through it. Save a backup "
        "file and give it to the group's facilitator.",
        "fr": "Ce lien a été retiré : les réponses ne peuvent plus être envoyées par lui. "
        "Enregistrez un fichier de sauvegarde et donnez-le à l'animateur du groupe.",
        "ar": "تم سحب هذا الرابط: لم يعد ممكناً إرسال الإجابات من خلاله. "
        "احفظ ملفاً احتياطياً وأعطه لميسّر المجموعة.",
        "sw": "Kiungo hiki kimeondolewa: majibu hayawezi kutumwa tena kupitia kiungo hiki. "
        "Hifadhi faili ya akiba na umpe mwezeshaji wa kikundi.",
    },
    "no_time_refused": {
        "en": "This answer carries no start time, so it cannot be accepted after the link closed.",
        "fr": "Cette réponse n'indique pas quand elle a été commencée : elle ne peut pas être "
        "acceptée après la fermeture du lien.",
        "ar": "لا تحمل هذه الإجابة وقت البدء، فلا يمكن قبولها بعد إغلاق الرابط.",
        "sw": "Jibu hili halina saa ya kuanza, kwa hiyo haliwezi kukubaliwa baada ya kiungo kufungwa.",
    },
    "wrong_survey": {
        "en": "This link only takes answers to its own form.",
        "fr": "Ce lien n'accepte que les réponses à son propre formulaire.",
        "ar": "هذا الرابط يقبل الإجابات على نموذجه فقط.",
        "sw": "Kiungo hiki kinapokea majibu ya fomu yake tu.",
    },
    "too_many": {
        "en": "Too many answers were sent from here in a short time. Nothing was lost: wait a "
        "few minutes and try again.",
        "fr": "Trop de réponses ont été envoyées d'ici en peu de temps. Rien n'est perdu : "
        "attendez quelques minutes et réessayez.",
        "ar": "أُرسلت إجابات كثيرة من هنا في وقت قصير. لم يضع شيء: انتظر بضع دقائق وحاول مرة أخرى.",
        "sw": "Majibu mengi yametumwa kutoka hapa kwa muda mfupi. Hakuna kilichopotea: subiri "
        "dakika chache kisha ujaribu tena.",
    },
    "wait_title": {
        "en": "Please wait a moment",
        "fr": "Veuillez patienter un moment",
        "ar": "يرجى الانتظار قليلاً",
        "sw": "Tafadhali subiri kidogo",
    },
    "phone_heading": {
        "en": "Answers on this phone",
        "fr": "Réponses sur ce téléphone",
        "ar": "إجابات على هذا الهاتف",
        "sw": "Majibu kwenye simu hii",
    },
    "phone_waiting": {
        "en": "Waiting to be sent:",
        "fr": "En attente d'envoi :",
        "ar": "بانتظار الإرسال:",
        "sw": "Yanasubiri kutumwa:",
    },
    "phone_backup": {
        "en": "They are sent when the phone is online. If they cannot be sent, save a backup "
        "file and give it to the group's facilitator.",
        "fr": "Elles partent dès que le téléphone est en ligne. Si elles ne peuvent pas partir, "
        "enregistrez un fichier de sauvegarde et donnez-le à l'animateur du groupe.",
        "ar": "تُرسل عند اتصال الهاتف بالإنترنت. إذا تعذّر إرسالها، احفظ ملفاً احتياطياً وأعطه لميسّر المجموعة.",
        "sw": "Yanatumwa simu ikiwa mtandaoni. Yasipoweza kutumwa, hifadhi faili ya akiba "
        "na umpe mwezeshaji wa kikundi.",
    },
    "send_now": {"en": "Send now", "fr": "Envoyer maintenant", "ar": "أرسل الآن", "sw": "Tuma sasa"},
    "save_backup": {
        "en": "Save a backup file",
        "fr": "Enregistrer un fichier de sauvegarde",
        "ar": "حفظ ملف احتياطي",
        "sw": "Hifadhi faili ya akiba",
    },
    "print_scan": {
        "en": "Scan the code with your phone's camera, or type the address below.",
        "fr": "Scannez le code avec l'appareil photo de votre téléphone, ou tapez l'adresse ci-dessous.",
        "ar": "امسح الرمز بكاميرا هاتفك، أو اكتب العنوان أدناه.",
        "sw": "Changanua msimbo kwa kamera ya simu yako, au andika anwani iliyo hapa chini.",
    },
    "print_anonymous": {
        "en": "No account and no name are needed: your answers are anonymous.",
        "fr": "Ni compte ni nom ne sont demandés : vos réponses sont anonymes.",
        "ar": "لا حاجة إلى حساب ولا إلى اسم: إجاباتك مجهولة الهوية.",
        "sw": "Huhitaji akaunti wala jina: majibu yako hayaonyeshi wewe ni nani.",
    },
    "print_offline": {
        "en": "After the first visit the form also works without a connection; your answers "
        "are sent when you are back online.",
        "fr": "Après la première visite, le formulaire marche aussi sans connexion ; vos "
        "réponses partent dès que vous êtes de nouveau en ligne.",
        "ar": "بعد الزيارة الأولى يعمل النموذج دون اتصال أيضاً، وتُرسل إجاباتك عند عودة الاتصال.",
        "sw": "Baada ya kufungua mara ya kwanza, fomu inafanya kazi hata bila mtandao; majibu "
        "yako yanatumwa ukirudi mtandaoni.",
    },
}

LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "sw": "Kiswahili",
    "ny": "Chichewa",
}


def text(key: str, language: str) -> str:
    """A public-page text in a language, or in English when it has no translation."""
    entry = TEXTS[key]
    return entry.get(language.split("-")[0]) or entry["en"]


def has_language(language: str) -> bool:
    """Whether these texts exist in a language (else the page shows them in English)."""
    return language.split("-")[0] in TEXTS["submit"]
