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
  function seconds(name, fallback) {
    var v = parseFloat(params.get(name));
    return isFinite(v) && v > 0 ? v : fallback;
  }
  var IDLE_S = seconds("idle", config.idle_seconds || 90);
  var ATTRACT_S = seconds("attract", config.attract_seconds || 6);
  var LANGS = config.languages && config.languages.length ? config.languages : ["en"];
  var DEFAULT_LANG = LANGS.indexOf(config.default_language) >= 0 ? config.default_language : LANGS[0];

  var state = { screen: "attract", index: 0, lang: DEFAULT_LANG, attractIndex: 0 };
  var idleTimer = null;
  var captionTrack = null;
  var attractTimer = null;

  function ui(key) {
    var table = (config.ui && config.ui[state.lang]) || {};
    var fallback = (config.ui && config.ui.en) || {};
    return table[key] || fallback[key] || key;
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

  function show(screen) {
    state.screen = screen;
    ["attract", "home", "item"].forEach(function (name) { $(name).hidden = name !== screen; });
    $("bar").hidden = screen === "attract";
    $("prev-button").hidden = $("next-button").hidden = $("position").hidden = screen !== "item";
    document.body.setAttribute("data-screen", screen);
    if (screen !== "item") { stopAudio(); }
    if (screen === "attract") { startAttract(); } else { stopAttract(); }
  }

  function labelChrome() {
    document.documentElement.lang = state.lang;
    document.body.setAttribute("data-lang", state.lang);
    ["home", "previous", "next"].forEach(function (key) {
      var button = document.querySelector('[data-label="' + key + '"]');
      button.textContent = ui(key);
      button.setAttribute("aria-label", ui(key));
    });
    var other = nextLang();
    [$("lang-button"), $("attract-lang")].forEach(function (b) {
      b.textContent = (config.language_names && config.language_names[other]) || other;
      b.setAttribute("aria-label", ui("switch_language"));
      b.hidden = LANGS.length < 2;
    });
    $("start-button").textContent = ui("start");
    $("home-title").textContent = (DATA.package && DATA.package.title && DATA.package.title[state.lang]) || ui("title");
    $("audio-heading").textContent = ui("audio_guide");
    $("transcript-button").textContent = $("transcript").hidden ? ui("show_transcript") : ui("hide_transcript");
  }

  function renderHome() {
    var list = $("item-list");
    list.textContent = "";
    DATA.items.forEach(function (item, i) {
      var v = view(item);
      if (!v) { return; }
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "item-link";
      b.setAttribute("data-index", String(i));
      if (v.image) {
        var img = document.createElement("img");
        img.src = v.image;
        img.alt = v.image_alt || v.title;
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
    var item = DATA.items[state.index];
    var v = view(item);
    if (!v) { return; }
    $("item").setAttribute("lang", v.language || state.lang);
    setText($("item-title"), v.title);
    var card = $("item-card");
    if (v.card) { card.src = v.card; card.alt = v.card_alt || v.title; card.hidden = false; }
    else { card.removeAttribute("src"); card.hidden = true; }
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
    setText($("item-credit"), v.credit);
    setText($("item-disclosure"), v.disclosure);
    $("position").textContent = (state.index + 1) + " / " + DATA.items.length;
    renderAudio(v);
  }

  function clock(s) {
    var m = Math.floor(s / 60), r = Math.floor(s % 60);
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function renderAudio(v) {
    var audio = $("item-audio");
    stopAudio();
    var transcript = $("transcript");
    transcript.textContent = "";
    transcript.hidden = true;
    $("transcript-button").setAttribute("aria-expanded", "false");
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
      var t = document.createElement("span");
      t.className = "time";
      t.textContent = clock(seg.start);
      b.appendChild(t);
      b.appendChild(document.createTextNode((seg.speaker ? seg.speaker + ": " : "") + seg.text));
      b.addEventListener("click", function () { $("item-audio").currentTime = seg.start; });
      li.appendChild(b);
      transcript.appendChild(li);
    });
  }

  function showCaption() {
    var audio = $("item-audio");
    var text = "";
    if (captionTrack && captionTrack.cues) {
      for (var i = 0; i < captionTrack.cues.length; i++) {
        var cue = captionTrack.cues[i];
        if (cue.startTime <= audio.currentTime && audio.currentTime < cue.endTime) { text = cue.text; break; }
      }
    }
    $("caption-line").textContent = text;
  }

  function stopAudio() {
    var audio = $("item-audio");
    if (!audio.paused) { audio.pause(); }
    for (var i = 0; i < audio.textTracks.length; i++) { audio.textTracks[i].mode = "disabled"; }
    captionTrack = null;
  }

  function openItem(i) {
    state.index = (i + DATA.items.length) % DATA.items.length;
    renderItem();
    show("item");
    window.scrollTo(0, 0);
  }

  function setLanguage(lang) {
    state.lang = lang;
    labelChrome();
    renderHome();
    if (state.screen === "item") { renderItem(); }
    if (state.screen === "attract") { showAttractFrame(); }
  }

  function showAttractFrame() {
    if (!DATA.items.length) { return; }
    var v = view(DATA.items[state.attractIndex % DATA.items.length]) || {};
    var img = $("attract-image");
    var src = v.card || v.image;
    if (src) { img.src = src; img.alt = v.card_alt || v.image_alt || v.title || ""; img.hidden = false; }
    else { img.hidden = true; }
    $("attract-title").textContent = v.title || "";
  }

  function startAttract() {
    stopAttract();
    showAttractFrame();
    attractTimer = window.setInterval(function () {
      state.attractIndex = (state.attractIndex + 1) % Math.max(DATA.items.length, 1);
      showAttractFrame();
    }, ATTRACT_S * 1000);
  }

  function stopAttract() {
    if (attractTimer !== null) { window.clearInterval(attractTimer); attractTimer = null; }
  }

  function resetToStart() {
    state.index = 0;
    state.attractIndex = 0;
    $("transcript").hidden = true;
    setLanguage(DEFAULT_LANG);
    show("attract");
  }

  function touched() {
    if (idleTimer !== null) { window.clearTimeout(idleTimer); }
    idleTimer = window.setTimeout(function () {
      idleTimer = null;
      if (state.screen !== "attract" || state.lang !== DEFAULT_LANG) { resetToStart(); }
      else { touched(); }
    }, IDLE_S * 1000);
  }

  ["pointerdown", "keydown", "touchstart", "wheel"].forEach(function (type) {
    document.addEventListener(type, touched, { passive: true, capture: true });
  });

  $("start-button").addEventListener("click", function () { show("home"); });
  $("home-button").addEventListener("click", function () { show("home"); });
  $("prev-button").addEventListener("click", function () { openItem(state.index - 1); });
  $("next-button").addEventListener("click", function () { openItem(state.index + 1); });
  $("lang-button").addEventListener("click", function () { setLanguage(nextLang()); });
  $("attract-lang").addEventListener("click", function () { setLanguage(nextLang()); });
  $("transcript-button").addEventListener("click", function () {
    var t = $("transcript");
    t.hidden = !t.hidden;
    this.setAttribute("aria-expanded", String(!t.hidden));
    labelChrome();
  });

  window.heritageKiosk = { // read-only view for the installer's diagnostics and for tests
    state: function () { return { screen: state.screen, index: state.index, lang: state.lang, idleSeconds: IDLE_S }; }
  };

  labelChrome();
  renderHome();
  show("attract");
  touched();
})();
