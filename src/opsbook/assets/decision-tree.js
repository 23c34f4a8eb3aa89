/*
 * opsbook decision trees: answer one question at a time.
 *
 * Each tree page holds the tree as JSON (script.ob-tree-data) and as a nested list whose
 * items have the ids "step-<node>". This script shows one step at a time in .ob-stepper;
 * the URL fragment names the step, so a link to #step-<node> opens that step for whoever
 * follows it, and the browser's back button goes back one answer. Without JavaScript the
 * nested list alone is the tree, and the same fragments jump to the step in it.
 * Data is only ever inserted with textContent: nothing from policy.yml becomes markup.
 */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // A fragment as text: decodeURIComponent throws on a stray "%" (#%, #%E0%A4%A), and any URL
  // can carry one. Undecodable, the fragment names no step; it must not stop the script.
  function decodeFragment(hash) {
    var text = String(hash || "").replace(/^#/, "");
    try {
      return decodeURIComponent(text);
    } catch (e) {
      return text;
    }
  }

  function copyText(text, done) {
    function fallback() {
      var area = el("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy");
        done(true);
      } catch (e) {
        done(false);
      }
      document.body.removeChild(area);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  function setup(root) {
    if (root.getAttribute("data-ob-ready")) return;
    var dataNode = root.querySelector("script.ob-tree-data");
    var stepper = root.querySelector(".ob-stepper");
    if (!dataNode || !stepper) return;
    var tree;
    try {
      tree = JSON.parse(dataNode.textContent);
    } catch (e) {
      return;
    }
    if (!tree.start || !tree.nodes[tree.start]) return;
    root.setAttribute("data-ob-ready", "1");

    var byAnchor = {};
    Object.keys(tree.nodes).forEach(function (id) {
      byAnchor[tree.nodes[id].anchor] = id;
    });
    // The answers that led here in this visit: [{node: id, label: "Yes"}, ...].
    var trail = [];
    var current = null;

    function nodeFromHash(hash) {
      var anchor = decodeFragment(hash);
      return Object.prototype.hasOwnProperty.call(byAnchor, anchor) ? byAnchor[anchor] : null;
    }

    // Shortest way from the start to a step, so a shared link still shows how it is reached.
    function pathTo(target) {
      var previous = {};
      previous[tree.start] = null;
      var queue = [tree.start];
      while (queue.length) {
        var id = queue.shift();
        if (id === target) break;
        tree.nodes[id].answers.forEach(function (answer) {
          if (answer.next && !Object.prototype.hasOwnProperty.call(previous, answer.next)) {
            previous[answer.next] = { node: id, label: answer.label };
            queue.push(answer.next);
          }
        });
      }
      if (!Object.prototype.hasOwnProperty.call(previous, target)) return [];
      var path = [];
      for (var step = previous[target]; step; step = previous[step.node]) path.unshift(step);
      return path;
    }

    function stepLink(id, text, className) {
      var link = el("a", className, text);
      link.setAttribute("href", "#" + tree.nodes[id].anchor);
      return link;
    }

    function highlight(id) {
      var marked = root.querySelectorAll(".ob-node--current, .ob-node--path");
      Array.prototype.forEach.call(marked, function (item) {
        item.classList.remove("ob-node--current", "ob-node--path");
      });
      trail.forEach(function (step) {
        var item = document.getElementById(tree.nodes[step.node].anchor);
        if (item && root.contains(item)) item.classList.add("ob-node--path");
      });
      var item = document.getElementById(tree.nodes[id].anchor);
      if (item && root.contains(item)) item.classList.add("ob-node--current");
    }

    function render(id) {
      current = id;
      var node = tree.nodes[id];
      var card = el("div", "ob-step");
      var isOutcome = node.answers.length === 0;
      card.appendChild(
        el("p", "ob-step__count", isOutcome ? "What to do" : "Question " + (trail.length + 1))
      );
      if (!isOutcome) {
        card.appendChild(el("p", "ob-step__q", node.question || id));
        if (node.description) card.appendChild(el("p", "ob-step__desc", node.description));
        var answers = el("div", "ob-step__answers");
        node.answers.forEach(function (answer) {
          if (!answer.next) {
            answers.appendChild(el("span", "ob-unknown", answer.label + " (leads nowhere)"));
            return;
          }
          var button = stepLink(answer.next, answer.label, "md-button md-button--primary");
          button.setAttribute("data-ob-answer", answer.label);
          answers.appendChild(button);
        });
        card.appendChild(answers);
      } else {
        var outcome = el("div", "ob-step__outcome");
        outcome.appendChild(el("p", "ob-step__outcome-text", node.outcome || node.question || id));
        var then = el("p", "ob-step__then");
        if (node.severity) {
          var badge = el("span", "ob-sev ob-sev--" + (node.severity.rank < 0 ? "unknown" : node.severity.rank), node.severity.id);
          if (node.severity.name) badge.title = node.severity.id + ": " + node.severity.name;
          then.appendChild(el("span", null, "Severity "));
          then.appendChild(badge);
          then.appendChild(document.createTextNode(" "));
        }
        if (node.runbook && node.runbook.href) {
          var runbook = el("a", "md-button md-button--primary",
            "Open " + node.runbook.id + (node.runbook.title ? ": " + node.runbook.title : ""));
          runbook.setAttribute("href", node.runbook.href);
          then.appendChild(runbook);
        } else if (node.runbook) {
          then.appendChild(el("span", "ob-unknown", "Runbook " + node.runbook.id + " (not found)"));
        }
        if (then.childNodes.length) outcome.appendChild(then);
        card.appendChild(outcome);
      }

      if (trail.length) {
        var list = el("ol", "ob-trail");
        trail.forEach(function (step) {
          var item = el("li");
          item.appendChild(stepLink(step.node, tree.nodes[step.node].question || step.node));
          item.appendChild(el("span", "ob-trail__answer", step.label));
          list.appendChild(item);
        });
        var caption = el("p", "ob-trail__caption", "Your answers");
        card.appendChild(caption);
        card.appendChild(list);
      }

      var tools = el("div", "ob-step__tools");
      if (id !== tree.start) tools.appendChild(stepLink(tree.start, "Start over", "md-button"));
      var copy = el("button", "md-button ob-copy-link", "Copy link to this step");
      copy.type = "button";
      copy.addEventListener("click", function () {
        copyText(window.location.href, function (ok) {
          copy.textContent = ok ? "Link copied" : "Copy the address bar instead";
          window.setTimeout(function () { copy.textContent = "Copy link to this step"; }, 2500);
        });
      });
      tools.appendChild(copy);
      card.appendChild(tools);

      stepper.replaceChildren(card);
      highlight(id);
    }

    function show(id, how) {
      var anchor = "#" + tree.nodes[id].anchor;
      if (how === "push" && window.location.hash !== anchor) {
        window.history.pushState({ obTrail: trail.slice(), obTree: tree.id }, "", anchor);
      } else if (how === "replace") {
        window.history.replaceState({ obTrail: trail.slice(), obTree: tree.id }, "", anchor);
      }
      render(id);
    }

    function scrollToStepper() {
      var top = stepper.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.6) {
        stepper.scrollIntoView({ block: "start" });
      }
    }

    root.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var link = event.target.closest("a[href^='#']");
      if (!link || !root.contains(link)) return;
      var target = nodeFromHash(link.getAttribute("href"));
      if (target === null) return;
      event.preventDefault();
      if (link.hasAttribute("data-ob-answer") && current !== null) {
        trail.push({ node: current, label: link.getAttribute("data-ob-answer") });
      } else {
        var index = -1;
        trail.forEach(function (step, i) { if (step.node === target && index < 0) index = i; });
        trail = index >= 0 ? trail.slice(0, index) : pathTo(target);
      }
      show(target, "push");
      scrollToStepper();
    });

    window.addEventListener("popstate", function (event) {
      // With Material's instant loading this page may have been swapped out since.
      if (!document.body.contains(root)) return;
      var target = nodeFromHash(window.location.hash);
      if (target === null) {
        // Another anchor on the page (a heading): not ours to handle.
        if (window.location.hash && window.location.hash !== "#") return;
        target = tree.start;
      }
      var saved = event.state && event.state.obTree === tree.id ? event.state.obTrail : null;
      trail = saved || (target === tree.start ? [] : pathTo(target));
      render(target);
    });

    var initial = nodeFromHash(window.location.hash);
    stepper.hidden = false;
    root.classList.add("ob-tree--js");
    if (initial !== null) {
      trail = pathTo(initial);
      render(initial);
      // The browser scrolled to the step in the drawing; the step-through is the place to be.
      window.requestAnimationFrame(function () { stepper.scrollIntoView({ block: "start" }); });
    } else {
      render(tree.start);
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ob-tree]"), setup);
  }

  // Material's instant loading swaps pages without a reload and announces each on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
