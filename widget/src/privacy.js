/* "Your data": a reader downloads everything the site holds about them (GET
   /api/v1/me/export, as a JSON file) or erases it (POST /api/v1/me/erase), after saying so
   twice. Its own file, /privacy.js, which embed.js fetches only for readers holding a
   commenter token; it registers itself as window.Palaver.privacy and mounts itself. Served from the site's
   host like embed.js, so its API client and storage are the same site's. docs/privacy.md. */

import { api } from "./api.js";
import { button, focus, h } from "./dom.js";
import { remember } from "./storage.js";

// data: the disclosure; dl, erase: its buttons; sure: what erasing does; yes/no: the
// confirmation's buttons; done: after erasing; fail: a call that failed (a 429 says how
// long to wait, in the API's words).
const STRINGS = {
  en: {
    data: "Your data",
    dl: "Download my data (JSON)",
    erase: "Erase my data…",
    sure: "This erases your comments on this site (those with replies stay as “deleted”), your votes, subscriptions and name. It cannot be undone.",
    yes: "Erase everything",
    no: "Cancel",
    done: "Your data on this site was erased.",
    fail: "That did not work. Please try again.",
  },
  es: {
    data: "Tus datos",
    dl: "Descargar mis datos (JSON)",
    erase: "Borrar mis datos…",
    sure: "Esto borra tus comentarios en este sitio (los que tienen respuestas quedan como «eliminado»), tus votos, suscripciones y nombre. No se puede deshacer.",
    yes: "Borrarlo todo",
    no: "Cancelar",
    done: "Tus datos en este sitio se han borrado.",
    fail: "No ha funcionado. Inténtalo de nuevo.",
  },
  de: {
    data: "Deine Daten",
    dl: "Meine Daten herunterladen (JSON)",
    erase: "Meine Daten löschen…",
    sure: "Das löscht deine Kommentare auf dieser Website (solche mit Antworten bleiben als „gelöscht“), deine Stimmen, Abos und deinen Namen. Das lässt sich nicht rückgängig machen.",
    yes: "Alles löschen",
    no: "Abbrechen",
    done: "Deine Daten auf dieser Website wurden gelöscht.",
    fail: "Das hat nicht geklappt. Bitte versuch es noch einmal.",
  },
  fr: {
    data: "Vos données",
    dl: "Télécharger mes données (JSON)",
    erase: "Effacer mes données…",
    sure: "Cela efface vos commentaires sur ce site (ceux qui ont des réponses restent comme « supprimé »), vos votes, abonnements et votre nom. C’est irréversible.",
    yes: "Tout effacer",
    no: "Annuler",
    done: "Vos données sur ce site ont été effacées.",
    fail: "Cela n’a pas fonctionné. Réessayez.",
  },
  it: {
    data: "I tuoi dati",
    dl: "Scarica i miei dati (JSON)",
    erase: "Cancella i miei dati…",
    sure: "Questo cancella i tuoi commenti su questo sito (quelli con risposte restano come «eliminato»), i tuoi voti, le iscrizioni e il nome. Non si può annullare.",
    yes: "Cancella tutto",
    no: "Annulla",
    done: "I tuoi dati su questo sito sono stati cancellati.",
    fail: "Non ha funzionato. Riprova.",
  },
  pt: {
    data: "Os seus dados",
    dl: "Transferir os meus dados (JSON)",
    erase: "Apagar os meus dados…",
    sure: "Isto apaga os seus comentários neste site (os que têm respostas ficam como «eliminado»), os seus votos, subscrições e nome. Não pode ser anulado.",
    yes: "Apagar tudo",
    no: "Cancelar",
    done: "Os seus dados neste site foram apagados.",
    fail: "Não funcionou. Tente novamente.",
  },
  nl: {
    data: "Je gegevens",
    dl: "Mijn gegevens downloaden (JSON)",
    erase: "Mijn gegevens wissen…",
    sure: "Dit wist je reacties op deze site (reacties met antwoorden blijven als ‘verwijderd’), je stemmen, abonnementen en naam. Dit kan niet ongedaan worden gemaakt.",
    yes: "Alles wissen",
    no: "Annuleren",
    done: "Je gegevens op deze site zijn gewist.",
    fail: "Dat lukte niet. Probeer het opnieuw.",
  },
  pl: {
    data: "Twoje dane",
    dl: "Pobierz moje dane (JSON)",
    erase: "Usuń moje dane…",
    sure: "To usuwa Twoje komentarze na tej stronie (te z odpowiedziami zostają jako „usunięty”), głosy, subskrypcje i nazwę. Tego nie można cofnąć.",
    yes: "Usuń wszystko",
    no: "Anuluj",
    done: "Twoje dane na tej stronie zostały usunięte.",
    fail: "Nie udało się. Spróbuj ponownie.",
  },
  ja: {
    data: "あなたのデータ",
    dl: "データをダウンロード（JSON）",
    erase: "データを消去…",
    sure: "このサイトでのコメント（返信があるものは「削除済み」として残ります）、投票、購読、名前を消去します。元に戻せません。",
    yes: "すべて消去",
    no: "キャンセル",
    done: "このサイトでのデータを消去しました。",
    fail: "うまくいきませんでした。もう一度お試しください。",
  },
  zh: {
    data: "你的数据",
    dl: "下载我的数据（JSON）",
    erase: "删除我的数据…",
    sure: "这将删除你在本站的评论（有回复的会保留为“已删除”）、投票、订阅和名字。此操作无法撤销。",
    yes: "全部删除",
    no: "取消",
    done: "你在本站的数据已删除。",
    fail: "操作失败，请重试。",
  },
  ar: {
    data: "بياناتك",
    dl: "تنزيل بياناتي (JSON)",
    erase: "محو بياناتي…",
    sure: "يمحو هذا تعليقاتك على هذا الموقع (تبقى التعليقات التي لها ردود بصفة «محذوف»)، وأصواتك واشتراكاتك واسمك. لا يمكن التراجع عن ذلك.",
    yes: "محو كل شيء",
    no: "إلغاء",
    done: "مُحيت بياناتك على هذا الموقع.",
    fail: "لم ينجح ذلك. حاول مرة أخرى.",
  },
  he: {
    data: "הנתונים שלך",
    dl: "הורדת הנתונים שלי (JSON)",
    erase: "מחיקת הנתונים שלי…",
    sure: "פעולה זו מוחקת את התגובות שלך באתר (תגובות שיש להן תשובות נשארות כ„נמחקה”), ההצבעות, המינויים והשם. אי אפשר לבטל זאת.",
    yes: "למחוק הכול",
    no: "ביטול",
    done: "הנתונים שלך באתר נמחקו.",
    fail: "זה לא הצליח. נסו שוב.",
  },
};

/** Save `data` as the file `name` (a JSON download made in the page, no second request). */
function save(data, name, where) {
  const url = URL.createObjectURL(
    new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }),
  );
  const link = h("a", { href: url, download: name, hidden: true });
  where.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** Add "Your data" at the end of the widget (`root`: its <section>, whose lang it speaks). */
function mount(root) {
  const s = STRINGS[root.lang] || STRINGS.en;
  const status = h("p", { role: "status" });
  const say = (text) => status.replaceChildren(text);
  const failed = (error) => say(error.status === 429 ? error.message : s.fail);
  const download = button(s.dl, async () => {
    say("");
    try {
      save((await api("GET", "me/export")).data, "comments-data.json", panel);
    } catch (error) {
      failed(error);
    }
  });
  const confirm = h("div", { role: "group", "aria-label": s.erase, hidden: true }, [
    h("p", {}, s.sure),
    button(
      s.yes,
      async () => {
        try {
          await api("POST", "me/erase", { confirm: "erase" });
        } catch (error) {
          failed(error);
          return;
        }
        // The token is worthless now: forget who this browser was, then show the thread.
        remember({ token: null, name: null, email: null, signed: null, sso: null });
        panel.replaceChildren(h("p", { role: "status" }, s.done));
        window.Palaver.reload();
      },
      { class: "pv-danger" },
    ),
    button(s.no, () => {
      confirm.hidden = true;
      focus(erase);
    }),
  ]);
  const erase = button(s.erase, () => {
    confirm.hidden = false;
    focus(confirm.querySelector("button"));
  });
  const panel = h("details", { class: "pv-data" }, [
    h("summary", {}, s.data),
    download,
    erase,
    confirm,
    status,
  ]);
  root.lastChild.before(panel);
}

// embed.js fetches this file once the thread is on screen and calls nothing (each call costs
// it bytes): the widget's <section> is the last child of its shadow root (render.mount).
window.Palaver.privacy = { mount };
mount(document.getElementById("palaver-thread").shadowRoot.lastChild);
