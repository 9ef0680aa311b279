// The demo page's own script: buttons that call the widget API and a log of its callbacks.
(function () {
  'use strict';
  var log = document.getElementById('events');
  var callbacks = ['onChatMaximized', 'onChatMinimized', 'onChatStarted', 'onChatEnded', 'onPrechatFormSubmit',
    'onOfflineFormSubmit', 'onWidgetShown', 'onWidgetHidden', 'onAssignAgent', 'onAgentStatusChange',
    'onQueuePositionChange', 'onServiceOffline'];

  function note(name, data) {
    var item = document.createElement('li');
    item.textContent = name + (data === undefined ? '' : ' ' + JSON.stringify(data));
    log.insertBefore(item, log.firstChild);
  }

  function whenLoaded(fn) {
    // the snippet below defines window.pimentachat; until then, wait for it
    if (window.pimentachat) window.pimentachat(fn);
    else setTimeout(function () { whenLoaded(fn); }, 50);
  }

  whenLoaded(function () {
    var api = this;
    callbacks.forEach(function (name) {
      api[name](function (data) { note(name, data); });
    });
  });

  document.addEventListener('click', function (e) {
    var button = e.target.closest('button');
    if (!button) return;
    if (button.dataset.call) whenLoaded(function () { this[button.dataset.call](); });
    if (button.dataset.theme) whenLoaded(function () { this.setTheme({ color: button.dataset.theme }); });
  });
})();
