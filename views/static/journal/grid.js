/* The journal grid: spreadsheet-like entry. Each cell saves on its own (no page reload);
 * a refused value shows the server's Russian message and the cell keeps what it had. */
(function () {
  "use strict";
  var table = document.getElementById("journal-grid");
  if (!table) { return; }
  var status = document.getElementById("journal-status");
  var csrf = table.dataset.csrf;
  var pending = new WeakMap();
  var model = JSON.parse(document.getElementById("journal-body").textContent);
  var lessons = {};
  model.columns.forEach(function (column) { lessons[column.id] = column; });
  drawHead(model);
  drawBody(model);

  // ---- the rows, from the JSON the server sends (app/grid.py, views/grid_table.py) ----
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (ch) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch];
    });
  }

  // A cell arrives as [text, id, work type, comment, id, work type, comment, …]; the marks'
  // values are the first words of the text, in the same order.
  function marksOf(cell) {
    var marks = [], values = cell ? cell[0].split(" ") : [];
    for (var i = 1; cell && i < cell.length; i += 3) {
      marks.push([cell[i], cell[i + 1], cell[i + 2], values[(i - 1) / 3]]);
    }
    return marks;
  }

  function tip(marks, names) {
    if (!marks.length) { return ""; }
    return ' title="' + esc(marks.map(function (m) {
      return m[3] + " — " + (names[m[1]] ? names[m[1]][0] : "") + (m[2] ? ": " + m[2] : "");
    }).join("; ")) + '"';
  }

  // Marks of a written work stand out (bold): their window and weight differ.
  function written(marks, names) {
    return marks.some(function (m) { return names[m[1]] && names[m[1]][2]; }) ? " w" : "";
  }

  function drawCell(column, cell, name, names) {
    var text = esc(cell ? cell[0] : ""), marks = marksOf(cell), w = written(marks, names);
    if (column.mode === "edit") {
      return '<td class="c' + w + '"><input class="cell" data-l="' + column.id + '" value="' + text + '" data-saved="' +
        text + '" aria-label="' + name + ", " + esc(column.label) + '" autocomplete="off" spellcheck="false"' +
        tip(marks, names) + "></td>";
    }
    if (column.mode === "fix") {
      return '<td class="c ro' + w + '"><span class="cell" tabindex="0" data-l="' + column.id + '" data-marks="' +
        marks.map(function (m) { return m[0]; }).join(" ") + '"' + tip(marks, names) + ">" + text + "</span></td>";
    }
    return '<td class="c ro' + w + (column.future ? " future" : "") + '"><span class="cell" tabindex="-1"' +
      tip(marks, names) + ">" + text + "</span></td>";
  }

  function drawFinal(final, kind, label, name) {
    var value = esc(final.value);
    if (final.editable) {
      return '<td class="final"><input class="final-mark" data-kind="' + kind + '" data-version="' +
        (final.version || "") + '" value="' + value + '" data-saved="' + value + '" aria-label="' + name + ", " +
        esc(label) + '" autocomplete="off"></td>';
    }
    return '<td class="final"><span class="final-mark' + (final.fixable ? " fixable" : "") + '" data-kind="' + kind +
      '" tabindex="' + (final.fixable ? 0 : -1) + '">' + value + "</span></td>";
  }

  function drawHead(model) {
    var html = model.columns.map(function (c) {
      return '<th class="lesson' + (c.future ? " future" : "") + (c.today ? " today" : "") + '" data-l="' + c.id +
        '" title="' + esc(c.title) + '"><button type="button" class="lesson-open" data-l="' + c.id + '">' +
        esc(c.day) + "<br><small>" + c.number + " ур.</small></button>" +
        (c.work_type_short ? '<div class="wt">' + esc(c.work_type_short) + "</div>" : "") + "</th>";
    }).join("");
    table.tHead.rows[0].querySelector("th.avg").insertAdjacentHTML("beforebegin", html);
  }

  function drawBody(model) {
    var html = [];
    model.rows.forEach(function (row, n) {
      var name = esc(row.name), away = {};
      row.away.forEach(function (i) { away[i] = true; });
      html.push('<tr data-s="' + row.id + '"><td class="num">' + (n + 1) + '</td><th class="name" scope="row">' +
        name + "</th>");
      model.columns.forEach(function (column, i) {
        html.push(away[i] ? '<td class="c out" title="Не учится в классе в этот день"></td>'
                          : drawCell(column, row.cells[i], name, model.work_types));
      });
      html.push('<td class="avg">' + esc(row.average) + "</td>");
      row.finals.forEach(function (final, i) {
        html.push(drawFinal(final, model.finals[i].kind, model.finals[i].label, name));
      });
      html.push("</tr>");
    });
    table.tBodies[0].innerHTML = html.join("");
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "journal-status " + (kind || "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {error: "Сервер не ответил (код " + res.status + ")."}; })
        .then(function (data) { return {status: res.status, data: data}; });
    }, function () { return {status: 0, data: {error: "Нет связи с сервером: запись не сохранена."}}; });
  }

  function rowOf(el) { return el.closest("tr"); }
  function studentOf(el) { return parseInt(rowOf(el).dataset.s, 10); }
  function nameOf(el) { return rowOf(el).querySelector("th.name").textContent; }

  function flash(el, cls) {
    var td = el.closest("td");
    td.classList.remove("saved", "refused");
    void td.offsetWidth;
    td.classList.add(cls);
  }

  // ---- cells -------------------------------------------------------------------------
  function saveCell(input) {
    var text = input.value.trim();
    if (pending.get(input)) { input.dataset.again = "1"; return Promise.resolve(); }
    if (text === input.dataset.saved) { return Promise.resolve(); }
    pending.set(input, true);
    input.classList.add("saving");
    return post(table.dataset.cellUrl, {
      lesson: parseInt(input.dataset.l, 10), student: studentOf(input), text: text, expected: input.dataset.saved
    }).then(function (r) {
      pending.delete(input);
      input.classList.remove("saving");
      // Typed again while this save was on its way: keep what was typed and save it next.
      var again = input.dataset.again === "1" && input.value.trim() !== text ? input.value : null;
      delete input.dataset.again;
      if (r.status === 200) {
        delete input.dataset.correctable;
        input.value = input.dataset.saved = r.data.text;
        flash(input, "saved");
        say("Сохранено: " + nameOf(input) + " — " + (r.data.text || "пусто") + ".", "ok");
      } else if (r.status === 409) {
        input.value = input.dataset.saved = r.data.text;
        flash(input, "refused");
        say(r.data.error, "error");
      } else {
        input.value = input.dataset.saved;
        flash(input, "refused");
        say((r.data.error || "Не сохранено.") + (r.data.correctable ? " Нажмите Enter на клетке, чтобы запросить исправление." : ""), "error");
        if (r.data.correctable) { input.dataset.correctable = "1"; }
      }
      if (again !== null) { input.value = again; return saveCell(input); }
    });
  }

  var cells = Array.prototype.slice.call(table.querySelectorAll("tbody .cell, tbody .final-mark"));
  function focusable(el) { return el.tagName === "INPUT" || el.getAttribute("tabindex") === "0"; }

  function neighbour(el, dRow, dCol) {
    var td = el.closest("td"), tr = td.parentElement;
    var col = Array.prototype.indexOf.call(tr.children, td);
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var r = rows.indexOf(tr);
    for (var step = 1; step < 200; step++) {
      var rr = r + dRow * step, cc = col + dCol * step;
      if (rr < 0 || rr >= rows.length || cc < 0 || cc >= rows[rr].children.length) { return null; }
      var target = rows[rr].children[cc].querySelector(".cell, .final-mark");
      if (target && focusable(target)) { return target; }
      if (dRow !== 0 && dCol === 0) { continue; }
    }
    return null;
  }

  function move(el, dRow, dCol) {
    var next = neighbour(el, dRow, dCol);
    if (next) { next.focus(); if (next.select) { next.select(); } }
  }

  table.addEventListener("keydown", function (e) {
    var el = e.target;
    if (!el.classList || !(el.classList.contains("cell") || el.classList.contains("final-mark"))) { return; }
    var isInput = el.tagName === "INPUT";
    var atStart = !isInput || (el.selectionStart === 0 && el.selectionEnd === 0);
    var atEnd = !isInput || el.selectionStart === el.value.length;
    var all = isInput && el.selectionStart === 0 && el.selectionEnd === el.value.length;
    if (e.key === "Tab") {
      // Tab goes to the next cell open for entry (usually today's column of the next
      // student), skipping closed cells; the arrows reach every cell.
      var inputs = Array.prototype.slice.call(table.querySelectorAll("tbody input"));
      var next = inputs[inputs.indexOf(el) + (e.shiftKey ? -1 : 1)];
      if (isInput && next) { e.preventDefault(); next.focus(); next.select(); }
    } else if (e.key === "ArrowDown") { e.preventDefault(); move(el, 1, 0); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(el, -1, 0); }
    else if (e.key === "ArrowLeft" && (atStart || all)) { e.preventDefault(); move(el, 0, -1); }
    else if (e.key === "ArrowRight" && (atEnd || all)) { e.preventDefault(); move(el, 0, 1); }
    else if (e.key === "Enter") {
      e.preventDefault();
      if (isInput && el.dataset.correctable !== "1") { el.blur(); move(el, 1, 0); }
      else { openCorrection(el); }
    } else if (e.key === "Escape" && isInput) { el.value = el.dataset.saved; }
  });

  table.addEventListener("change", function (e) {
    if (e.target.classList.contains("cell")) { saveCell(e.target); }
    else if (e.target.classList.contains("final-mark")) { saveFinal(e.target); }
  });
  table.addEventListener("focusin", function (e) {
    if (e.target.tagName === "INPUT") { e.target.select(); }
  });
  table.addEventListener("dblclick", function (e) {
    var el = e.target.closest(".ro .cell, .final-mark.fixable");
    if (el) { openCorrection(el); }
  });

  // ---- final marks --------------------------------------------------------------------
  function saveFinal(input) {
    if (pending.get(input)) { return; }
    pending.set(input, true);
    post(table.dataset.finalUrl, {
      student: studentOf(input), kind: input.dataset.kind, period: parseInt(table.dataset.period, 10),
      value: input.value.trim(), version: input.dataset.version ? parseInt(input.dataset.version, 10) : null
    }).then(function (r) {
      pending.delete(input);
      if (r.status === 200) {
        input.value = input.dataset.saved = r.data.value;
        input.dataset.version = r.data.version || "";
        flash(input, "saved");
        say("Итоговая отметка сохранена: " + nameOf(input) + " — " + (r.data.value || "пусто") + ".", "ok");
      } else {
        input.value = input.dataset.saved;
        flash(input, "refused");
        say(r.data.error || "Не сохранено.", "error");
      }
    });
  }

  // ---- corrections ----------------------------------------------------------------------
  var correctionPanel = document.getElementById("correction-panel");
  var correctionTarget = null;
  function openCorrection(el) {
    if (!el.dataset.l && !el.dataset.kind) { return; }
    correctionTarget = el;
    var lesson = el.dataset.l ? lessons[el.dataset.l] : null;
    var current = el.tagName === "INPUT" ? el.dataset.saved : el.textContent.trim();
    document.getElementById("correction-what").textContent = nameOf(el) + ", " +
      (lesson ? lesson.label : "итоговая отметка") + ": сейчас «" + (current || "пусто") + "»";
    document.getElementById("correction-value").value = "";
    var choice = document.getElementById("correction-mark");
    choice.textContent = "";
    var ids = (el.dataset.marks || "").split(" ").filter(Boolean);
    var values = current.split(" ");
    ids.forEach(function (id, i) {
      var option = document.createElement("option");
      option.value = id;
      option.textContent = "отметку «" + values[i] + "»";
      choice.appendChild(option);
    });
    var option = document.createElement("option");
    option.value = "";
    option.textContent = ids.length ? "добавить отметку или изменить пропуск" : "эту клетку";
    choice.appendChild(option);
    choice.parentElement.hidden = !ids.length;
    document.getElementById("correction-reason").value = "";
    correctionPanel.hidden = false;
    document.getElementById("correction-value").focus();
  }
  document.getElementById("correction-close").addEventListener("click", function () {
    correctionPanel.hidden = true;
    if (correctionTarget) { correctionTarget.focus(); }
  });
  document.getElementById("correction-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var el = correctionTarget;
    var body = {student: studentOf(el), value: document.getElementById("correction-value").value.trim(),
                reason: document.getElementById("correction-reason").value.trim()};
    if (el.dataset.kind) { body.kind = el.dataset.kind; body.period = parseInt(table.dataset.period, 10); }
    else {
      body.lesson = parseInt(el.dataset.l, 10);
      var chosen = document.getElementById("correction-mark").value;
      if (chosen) { body.mark = parseInt(chosen, 10); }
    }
    post(table.dataset.correctionUrl, body).then(function (r) {
      if (r.status === 201) {
        correctionPanel.hidden = true;
        say(r.data.message, "ok");
        el.focus();
      } else {
        say(r.data.error || "Исправление не отправлено.", "error");
      }
    });
  });

  // ---- lesson: topic, homework, work type ------------------------------------------------
  var lessonPanel = document.getElementById("lesson-panel");
  var lessonForm = document.getElementById("lesson-form");
  var openLesson = null;
  table.querySelector("thead").addEventListener("click", function (e) {
    var button = e.target.closest(".lesson-open");
    if (!button) { return; }
    openLesson = button.dataset.l;
    var info = lessons[openLesson];
    document.getElementById("lesson-title").textContent = info.label;
    lessonForm.topic.value = info.topic || "";
    lessonForm.homework.value = info.homework || "";
    if (info.work_type) { lessonForm.work_type.value = info.work_type; }
    showFiles(info.files || []);
    Array.prototype.forEach.call(lessonForm.elements, function (f) {
      if (f.id !== "lesson-close") { f.disabled = !info.writable; }
    });
    lessonPanel.hidden = false;
    lessonForm.topic.focus();
  });
  document.getElementById("lesson-close").addEventListener("click", function () { lessonPanel.hidden = true; });

  function showFiles(files) {
    var list = document.getElementById("lesson-files");
    list.textContent = "";
    files.forEach(function (f) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = table.dataset.fileUrl + f.id;
      a.textContent = f.filename;
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  function importMarks() {
    var input = lessonForm.marks_file;
    if (!input.files.length) { return Promise.resolve(true); }
    var data = new FormData();
    data.append("file", input.files[0]);
    return fetch(table.dataset.lessonUrl + openLesson + "/import", {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}, body: data
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.status !== 201) { say(body.error || "Отметки не загружены.", "error"); return false; }
        window.location.reload();  // the new marks are in many cells: show them all
        return true;
      });
    }, function () { say("Нет связи с сервером: отметки не загружены.", "error"); return false; });
  }

  function uploadFile() {
    var input = lessonForm.file;
    if (!input.files.length) { return importMarks(); }
    var data = new FormData();
    data.append("file", input.files[0]);
    return fetch(table.dataset.lessonUrl + openLesson + "/files", {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}, body: data
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.status !== 201) { say(body.error || "Файл не прикреплён.", "error"); return false; }
        var info = lessons[openLesson];
        info.files = (info.files || []).concat([body]);
        input.value = "";
        return importMarks();
      });
    }, function () { say("Нет связи с сервером: файл не прикреплён.", "error"); return false; });
  }
  lessonForm.addEventListener("submit", function (e) {
    e.preventDefault();
    post(table.dataset.lessonUrl + openLesson, {
      topic: lessonForm.topic.value, homework: lessonForm.homework.value,
      work_type: parseInt(lessonForm.work_type.value, 10)
    }).then(function (r) {
      if (r.status === 200) {
        var info = lessons[openLesson];
        info.topic = r.data.topic; info.homework = r.data.homework;
        info.work_type = parseInt(lessonForm.work_type.value, 10);
        uploadFile().then(function (ok) {
          if (ok) { say("Урок сохранён.", "ok"); lessonPanel.hidden = true; }
        });
      } else {
        say(r.data.error || "Урок не сохранён.", "error");
      }
    });
  });

  // ---- a lesson the timetable did not make --------------------------------------------
  var newLesson = document.getElementById("new-lesson");
  if (newLesson) {
    newLesson.addEventListener("submit", function (e) {
      e.preventDefault();
      post(newLesson.dataset.url, {date: newLesson.date.value, number: newLesson.number.value}).then(function (r) {
        if (r.status === 201) { window.location.reload(); } else { say(r.data.error || "Урок не добавлен.", "error"); }
      });
    });
  }
})();
