/* the district page: reload every 10 s (a control-room screen; the page is small) */
(function () { setTimeout(function () { location.reload(); }, 10000); })();
