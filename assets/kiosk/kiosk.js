/* Heritage Studio kiosk player: offline, touch-first, resets itself when visitors walk away.
 * Content comes from content.js (window.HERITAGE_KIOSK), written by the export. Text is set
 * with textContent; the only HTML inserted is the body, already sanitised by an allow-list
 * at export time, and the page's CSP forbids inline script as a second wall. */
(function () {
  "use strict";

  var DATA = window.HERITAGE_KIOSK;
  var $ = function (id) { return document.getElementById(id); };
  if (!DATA || !Array.isArray(DATA.items)) {
    document.body.textContent = "This kiosk package has no content (content.js is missing or damaged).";
    return;
  }

  var config = DATA.config || {};
  var params = new URLSearchParams(window.location.search);
  // ?idle=, ?warn= and ?attract= let an installer (and the tests) try the timings out
  // without exporting again; the package's own values come from the export.
  function seconds(name, fallback) {
    var v = parseFloat(params.get(name));
    return isFinite(v) && v > 0 ? v : fallback;
  }
  var IDLE_S = seconds("idle", config.idle_seconds || 90);
  var WARN_S = seconds("warn", config.warning_seconds || 30);
  var ATTRACT_S = seconds("attract", config.attract_seconds || 6);
  var LANGS = config.languages && config.languages.length ? config.languages : ["en"];
  var DEFAULT_LANG = LANGS.indexOf(config.default_language) >= 0 ? config.default_language : LANGS[0];
  var ITEMS = DATA.items;

  var state = { screen: "attract", index: 0, lang: DEFAULT_LANG, attractIndex: 0, attractPaused: false };
  var idleTimer = null;
  var warnTimer = null;
  var warnEnds = 0;
  var captionTrack = null;
  var attractTimer = null;

  function ui(key, values) {
    var table = (config.ui && config.ui[state.lang]) || {};
    var fallback = (config.ui && config.ui.en) || {};
    var text = table[key] || fallback[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  function view(item) {
    var langs = item.languages || {};
    return langs[state.lang] || langs[LANGS.filter(function (l) { return langs[l]; })[0]] || null;
  }

  function setText(el, text) { el.textContent = text || ""; el.hidden = !text; }

  function nextLang() {
    var i = LANGS.indexOf(state.lang);
    return LANGS[(i + 1) % LANGS.length];
  }

  function guideTitle() {
    var t = DATA.package && DATA.package.title;
    return (t && (t[state.lang] || t[DEFAULT_LANG])) || ui("title");
  }

  // ------------------------------------------------------------------ screens

  function show(screen) {
    state.screen = screen;
    ["attract", "home", "item"].forEach(function (name) { $(name).hidden = name !== screen; });
    $("bar").hidden = screen === "attract";
    // With one exhibit there is no list to go home to and nothing to step through.
    $("home-button").hidden = ITEMS.length < 2 || screen === "home";
    $("item-nav").hidden = screen !== "item" || ITEMS.length < 2;
    document.body.setAttribute("data-screen", screen);
    if (screen !== "item") { stopAudio(); }
    if (screen === "attract") { startAttract(); } else { stopAttract(); }
  }

  function labelChrome() {
    document.documentElement.lang = state.lang;
    document.body.setAttribute("data-lang", state.lang);
    document.title = guideTitle();
    ["home", "previous", "next"].forEach(function (key) {
      document.querySelector('[data-label="' + key + '"]').textContent = ui(key);
    });
    var other = nextLang();
    // The button names the other language in that language, the way visitors look for it.
    [$("lang-button"), $("attract-lang")].forEach(function (b) {
      b.textContent = (config.language_names && config.language_names[other]) || other;
      b.setAttribute("lang", other);
      b.hidden = LANGS.length < 2;
    });
    $("start-button").textContent = ui("start");
    $("start-button").hidden = ITEMS.length === 0;
    $("attract-guide").textContent = guideTitle();
    $("guide-name").textContent = guideTitle();
    $("home-title").textContent = ui("choose");
    $("item-list").setAttribute("aria-label", ui("choose"));
    $("item-nav").setAttribute("aria-label", ui("browse"));
    $("facts-heading").textContent = ui("key_facts");
    $("audio-heading").textContent = ui("audio_guide");
    $("disclosure-heading").textContent = ui("disclosure_heading");
    $("transcript-button").textContent = $("transcript").hidden ? ui("show_transcript") : ui("hide_transcript");
    $("idle-title").textContent = ui("idle_title");
    $("idle-stay").textContent = ui("idle_stay");
    $("idle-leave").textContent = ui("idle_leave");
    labelPause();
    labelPlay();
    if (ITEMS.length === 0) { $("attract-title").textContent = ui("empty"); }
  }

  function renderHome() {
    var list = $("item-list");
    list.textContent = "";
    ITEMS.forEach(function (item, i) {
      var v = view(item);
      if (!v) { return; }
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "item-link";
      b.setAttribute("data-index", String(i));
      b.setAttribute("lang", v.language || state.lang);
      if (v.image) {
        // The title beside it names the button; the photo is decoration here.
        var img = document.createElement("img");
        img.src = v.image;
        img.alt = "";
        b.appendChild(img);
      }
      var span = document.createElement("span");
      span.textContent = v.title;
      b.appendChild(span);
      b.addEventListener("click", function () { openItem(i); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function renderItem() {
    var item = ITEMS[state.index];
    var v = view(item);
    if (!v) { return; }
    $("item").setAttribute("lang", v.language || state.lang);
    setText($("item-title"), v.title);
    var image = $("item-image");
    if (v.image) { image.src = v.image; image.alt = v.image_alt || v.title; $("item-figure").hidden = false; }
    else { image.removeAttribute("src"); $("item-figure").hidden = true; }
    setText($("item-caption"), v.image_caption);
    $("item-body").innerHTML = v.body_html || "";
    var facts = $("item-facts");
    facts.textContent = "";
    (v.key_facts || []).forEach(function (fact) {
      var li = document.createElement("li");
      li.textContent = fact;
      facts.appendChild(li);
    });
    facts.hidden = !facts.childNodes.length;
    $("facts-heading").hidden = facts.hidden;
    setText($("item-credit"), v.credit);
    $("facts-section").hidden = facts.hidden && !v.credit;
    renderDisclosure(v);
    $("position").textContent = ui("position", { n: state.index + 1, total: ITEMS.length });
    renderAudio(v);
  }

  // ---------------------------------------------------------------- disclosure

  // What a visitor is told about how the text was made: the export's `disclosure`
  // (a sentence, or an object with `text`/`lines` and flags), completed from the
  // provenance flags so machine translation and transcription are never left unsaid.
  function disclosureLines(v) {
    var d = v.disclosure;
    var p = v.provenance || {};
    var lines = [];
    var flags = {};
    if (d && typeof d === "object") {
      lines = Array.isArray(d.lines) ? d.lines.slice() : (d.text ? [d.text] : []);
      flags = d;
    } else if (d) {
      lines = [d];
    }
    ["ai_drafted", "machine_translated", "machine_transcribed"].forEach(function (name) {
      if (flags[name] === undefined) { flags[name] = p[name]; }
    });
    var said = lines.join(" ");
    // The export's own sentence already says "AI" when a model wrote; an object's flags are all said.
    var line = typeof d === "string";
    var saidAi = line && p.disclosure_says_ai;
    // The line is in the project's wording (its settings); the kiosk's own sentence is added only
    // for what the line does not say, so a visitor is not told the same thing twice.
    if (flags.ai_drafted && !saidAi) { lines.push(ui("disclosure_ai")); }
    if (flags.machine_translated && !(line && p.disclosure_says_translated)) { lines.push(ui("disclosure_translated")); }
    if (flags.machine_transcribed && v.audio && !(line && p.disclosure_says_transcribed)) {
      lines.push(ui("disclosure_transcribed"));
    }
    if (!said && p.approved_by) {
      lines.push(ui("disclosure_approved", { editor: p.approved_by, date: p.approved_on || "" }));
    }
    return lines.filter(function (line, i) { return line && lines.indexOf(line) === i; });
  }

  function renderDisclosure(v) {
    var list = $("item-disclosure");
    list.textContent = "";
    disclosureLines(v).forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      list.appendChild(li);
    });
    $("disclosure-section").hidden = !list.childNodes.length;
  }

  // --------------------------------------------------------------------- audio

  function clock(s) {
    if (!isFinite(s)) { return "0:00"; }
    var m = Math.floor(s / 60), r = Math.floor(s % 60);
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function labelPlay() {
    var audio = $("item-audio");
    $("play-button").textContent = audio.paused ? ui("play") : ui("pause");
  }

  function renderAudio(v) {
    var audio = $("item-audio");
    stopAudio();
    var transcript = $("transcript");
    transcript.textContent = "";
    transcript.hidden = true;
    $("transcript-button").setAttribute("aria-expanded", "false");
    $("transcript-button").textContent = ui("show_transcript");
    $("caption-line").textContent = "";
    if (!v.audio) { $("audio-section").hidden = true; audio.removeAttribute("src"); return; }
    $("audio-section").hidden = false;
    // A fresh element per item: text tracks cannot be removed, and a kiosk runs for weeks.
    var fresh = audio.cloneNode(false);
    fresh.removeAttribute("src");
    audio.parentNode.replaceChild(fresh, audio);
    audio = fresh;
    audio.addEventListener("timeupdate", function () {
      showCaption();
      if (!audio.paused) { touched(); } // someone listening is not idle
    });
    audio.addEventListener("seeked", showCaption);
    audio.addEventListener("loadedmetadata", showCaption);
    audio.addEventListener("play", labelPlay);
    audio.addEventListener("pause", labelPlay);
    audio.addEventListener("ended", labelPlay);
    audio.src = v.audio;
    // Cues come from the same approved transcript as captions/*.vtt; building the
    // track in script avoids a file:// fetch that kiosk browsers refuse.
    var track = audio.addTextTrack("captions", v.captions_label || state.lang, v.language || state.lang);
    track.mode = "hidden";
    (v.captions || []).forEach(function (c) {
      track.addCue(new VTTCue(c.start, c.end, c.text));
    });
    // Looked up by time rather than only on cuechange: a visitor who taps a transcript
    // line while paused must see that line's caption at once.
    captionTrack = track;
    (v.transcript || []).forEach(function (seg) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-start", String(seg.start));
      b.setAttribute("data-end", String(seg.end));
      var t = document.createElement("span");
      t.className = "time";
      t.textContent = clock(seg.start);
      b.appendChild(t);
      var words = document.createElement("span");
      // Chinese text takes the full-width colon, with no space after it.
      var colon = /^zh/.test(v.language || state.lang) ? "\uff1a" : ": ";
      words.textContent = (seg.speaker ? seg.speaker + colon : "") + seg.text;
      b.appendChild(words);
      b.addEventListener("click", function () { $("item-audio").currentTime = seg.start; });
      li.appendChild(b);
      transcript.appendChild(li);
    });
    labelPlay();
  }

  function showCaption() {
    var audio = $("item-audio");
    var now = audio.currentTime;
    var text = "";
    if (captionTrack && captionTrack.cues) {
      for (var i = 0; i < captionTrack.cues.length; i++) {
        var cue = captionTrack.cues[i];
        if (cue.startTime <= now && now < cue.endTime) { text = cue.text; break; }
      }
    }
    $("caption-line").textContent = text;
    var total = audio.duration;
    $("audio-time").textContent = clock(now) + " / " + clock(total);
    $("progress-fill").style.width = (isFinite(total) && total > 0 ? Math.min(100, 100 * now / total) : 0) + "%";
    Array.prototype.forEach.call($("transcript").querySelectorAll("button"), function (b) {
      var on = parseFloat(b.getAttribute("data-start")) <= now && now < parseFloat(b.getAttribute("data-end"));
      if (on) { b.setAttribute("aria-current", "true"); } else { b.removeAttribute("aria-current"); }
    });
  }

  function stopAudio() {
    var audio = $("item-audio");
    if (!audio.paused) { audio.pause(); }
    for (var i = 0; i < audio.textTracks.length; i++) { audio.textTracks[i].mode = "disabled"; }
    captionTrack = null;
  }

  // ---------------------------------------------------------------- navigation

  function openItem(i) {
    state.index = (i + ITEMS.length) % ITEMS.length;
    renderItem();
    show("item");
    window.scrollTo(0, 0);
    $("item-title").setAttribute("tabindex", "-1");
    $("item-title").focus({ preventScroll: true }); // screen readers start at the new exhibit
  }

  function start() {
    if (ITEMS.length === 1) { openItem(0); } else { show("home"); }
  }

  function setLanguage(lang) {
    state.lang = lang;
    labelChrome();
    renderHome();
    if (state.screen === "item") { renderItem(); }
    if (state.screen === "attract") { showAttractFrame(); }
  }

  // -------------------------------------------------- attract loop (WCAG 2.2.2)

  function showAttractFrame() {
    if (!ITEMS.length) { $("attract-image").hidden = true; return; }
    var v = view(ITEMS[state.attractIndex % ITEMS.length]) || {};
    var img = $("attract-image");
    if (v.image) { img.src = v.image; img.alt = v.image_alt || v.title || ""; img.hidden = false; }
    else { img.removeAttribute("src"); img.hidden = true; }
    $("attract-title").textContent = v.title || "";
    $("attract-title").setAttribute("lang", v.language || state.lang);
  }

  function labelPause() {
    var b = $("attract-pause");
    b.textContent = state.attractPaused ? ui("resume_loop") : ui("pause_loop");
    b.hidden = ITEMS.length < 2; // one exhibit: nothing moves, nothing to pause
  }

  function startAttract() {
    stopAttract();
    showAttractFrame();
    if (state.attractPaused || ITEMS.length < 2) { return; }
    attractTimer = window.setInterval(function () {
      state.attractIndex = (state.attractIndex + 1) % ITEMS.length;
      showAttractFrame();
    }, ATTRACT_S * 1000);
  }

  function stopAttract() {
    if (attractTimer !== null) { window.clearInterval(attractTimer); attractTimer = null; }
  }

  function toggleAttract() {
    state.attractPaused = !state.attractPaused;
    labelPause();
    if (state.attractPaused) { stopAttract(); } else { startAttract(); }
  }

  // ------------------------------------------------ idle warning (WCAG 2.2.1)

  function resetToStart() {
    closeWarning();
    state.index = 0;
    state.attractIndex = 0;
    state.attractPaused = false; // the next visitor meets a moving welcome screen
    $("transcript").hidden = true;
    setLanguage(DEFAULT_LANG);
    show("attract");
    window.scrollTo(0, 0);
  }

  function warningOpen() { return $("idle-dialog").open; }

  function tickWarning() {
    var left = Math.max(0, Math.ceil((warnEnds - Date.now()) / 1000));
    $("idle-count").textContent = String(left);
    if (left <= 0) { resetToStart(); touched(); }
  }

  function openWarning() {
    var dialog = $("idle-dialog");
    warnEnds = Date.now() + WARN_S * 1000;
    $("idle-message").textContent = ui("idle_message", { s: Math.round(WARN_S) });
    tickWarning();
    if (!dialog.open) { dialog.showModal(); }
    $("idle-stay").focus();
    warnTimer = window.setInterval(tickWarning, 250);
  }

  function closeWarning() {
    if (warnTimer !== null) { window.clearInterval(warnTimer); warnTimer = null; }
    if (warningOpen()) { $("idle-dialog").close(); }
  }

  function idleExpired() {
    idleTimer = null;
    var atRest = state.screen === "attract" && state.lang === DEFAULT_LANG && !state.attractPaused;
    if (atRest) { touched(); return; }
    if (state.screen === "attract") { resetToStart(); touched(); return; } // nothing a visitor would lose
    openWarning();
  }

  function touched(event) {
    // Any touch while the warning shows keeps the visitor's place, except "Start over".
    if (warningOpen()) {
      if (event && event.target && event.target.closest && event.target.closest("#idle-leave")) { return; }
      closeWarning();
    }
    if (idleTimer !== null) { window.clearTimeout(idleTimer); }
    idleTimer = window.setTimeout(idleExpired, IDLE_S * 1000);
  }

  ["pointerdown", "keydown", "touchstart", "wheel"].forEach(function (type) {
    document.addEventListener(type, touched, { passive: true, capture: true });
  });
  window.addEventListener("scroll", function () { if (!warningOpen()) { touched(); } }, { passive: true });

  $("start-button").addEventListener("click", start);
  $("home-button").addEventListener("click", function () { show("home"); window.scrollTo(0, 0); });
  $("prev-button").addEventListener("click", function () { openItem(state.index - 1); });
  $("next-button").addEventListener("click", function () { openItem(state.index + 1); });
  $("lang-button").addEventListener("click", function () { setLanguage(nextLang()); });
  $("attract-lang").addEventListener("click", function () { setLanguage(nextLang()); });
  $("attract-pause").addEventListener("click", toggleAttract);
  $("play-button").addEventListener("click", function () {
    var audio = $("item-audio");
    if (audio.paused) { audio.play(); } else { audio.pause(); }
  });
  $("transcript-button").addEventListener("click", function () {
    var t = $("transcript");
    t.hidden = !t.hidden;
    this.setAttribute("aria-expanded", String(!t.hidden));
    this.textContent = t.hidden ? ui("show_transcript") : ui("hide_transcript");
  });
  $("idle-stay").addEventListener("click", function () { touched(); });
  $("idle-leave").addEventListener("click", function () { resetToStart(); touched(); });
  $("idle-dialog").addEventListener("cancel", function (e) { e.preventDefault(); touched(); }); // Escape = stay

  window.heritageKiosk = { // read-only view for the installer's diagnostics and for tests
    state: function () {
      return {
        screen: state.screen,
        index: state.index,
        lang: state.lang,
        idleSeconds: IDLE_S,
        warningSeconds: WARN_S,
        warning: warningOpen(),
        attractPaused: state.attractPaused
      };
    }
  };

  labelChrome();
  renderHome();
  show("attract");
  touched();
})();
