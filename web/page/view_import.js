// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Import: a CSV from a spreadsheet (',' or ';', a BOM,
 * CRLF, yes/no or oui/non), previewed first: every error of the file at
 * once with its line and column, the missing groups offered to be
 * created, and each line marked (added, changed, re-enabled, disabled,
 * stays disabled, new group); then applied by seuild in one transaction.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;
	var SIGNS = { new_groups: '✚', added: '+', changed: '~', enabled: '↺', disabled: '−',
	    kept_disabled: '⊘' };

	function init(ctx, sec) {
		var i = ctx.i, form = U.el('form', null, 'card'), file = U.input('file', 'file');
		var prune = U.input('prune', 'checkbox'), reenable = U.input('reenable', 'checkbox');
		var groups = U.input('create_groups', 'checkbox'), groupsLabel = U.el('span');
		var apply, out = U.el('ul'), groupsBox;

		form.id = 'import-form';
		out.id = 'import-diff';
		file.accept = '.csv,text/csv';
		file.required = true;
		groupsBox = U.add(U.el('label', null, 'check create-groups'), groups, ' ', groupsLabel);
		groupsBox.hidden = true;
		apply = U.el('button', i.t('apply'));
		apply.type = 'button';
		apply.id = 'import-apply';
		apply.disabled = true;
		U.add(form, U.el('h2', i.t('import_csv')), file,
		    U.label(i.t('prune'), prune, 'check'), U.label(i.t('reenable'), reenable, 'check'),
		    groupsBox, U.el('button', i.t('preview')), ' ', apply, out);
		sec.appendChild(form);
		sec.csv = null;

		function opts(dry) {
			return ctx.M.query({ dry_run: dry, prune: prune.checked, reenable: prune.checked &&
			    reenable.checked, create_groups: groups.checked });
		}
		function show(diff, applied) {
			U.clear(out).appendChild(U.el('li', applied ? i.t('applied') : i.t('preview_done'), 'head'));
			ctx.M.importLines(diff).forEach(function (l) {
				var li = U.el('li', SIGNS[l.mark] + ' ' + i.t(l.mark) + ': ' + l.name +
				    (l.fields ? ' (' + l.fields.join(', ') + ')' : ''), 'mark-' + l.mark);

				li.dataset.mark = l.mark;
				out.appendChild(li);
			});
			out.appendChild(U.el('li', i.t('unchanged') + ': ' + diff.unchanged, 'mark-unchanged'));
		}
		function failed(err) {
			var lines = ctx.M.importErrors(i, err), missing = (err.args || {}).missing_groups || [];

			U.clear(out);
			apply.disabled = true;
			if (err.code !== 'import_error' || !lines.length) {
				out.appendChild(U.el('li', ctx.M.errorText(i, err), 'bad'));
				return;
			}
			out.appendChild(U.el('li', i.fmt('import_errors', { n: lines.length }), 'bad head'));
			lines.forEach(function (l) { out.appendChild(U.el('li', l, 'bad import-error')); });
			if (missing.length) {
				groupsLabel.textContent = i.fmt('create_groups', { groups: missing.join(', ') });
				groupsBox.hidden = false;
			}
		}
		async function preview() {
			sec.csv = await file.files[0].text();
			try {
				show(await ctx.api.post('/import?' + opts(true), sec.csv, 'text/csv'), false);
				apply.disabled = false;
			} catch (err) {
				failed(err);
			}
		}
		form.onsubmit = function (ev) {
			ev.preventDefault();
			preview().catch(ctx.fail);
		};
		groups.onchange = function () {
			if (sec.csv !== null)
				preview().catch(ctx.fail);
		};
		apply.onclick = function () {
			apply.disabled = true;
			ctx.api.post('/import?' + opts(false), sec.csv, 'text/csv').then(function (d) {
				show(d, true);
			}).catch(failed);
		};
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.import = { init: init, load: null };
}(typeof self !== 'undefined' ? self : this));
