"""Running a notebook: a kernel that finished its work is shut down without an interrupt, so a successful
run prints no kernel ERROR line."""

from __future__ import annotations

from pathlib import Path

import nbformat

from crmresearch.studies import pipeline

# The kernel answers papermill's last kernel_info request and then stays a moment in the handler, as a
# kernel on a loaded machine does; an interrupt sent with the shutdown lands there.
_SLOW_KERNEL_INFO = '''import inspect, time
_kernel = get_ipython().kernel
_reply = _kernel.shell_handlers["kernel_info_request"]
async def _slow(*args):
    done = _reply(*args)
    if inspect.isawaitable(done):
        await done
    time.sleep(1.0)
_kernel.shell_handlers["kernel_info_request"] = _slow'''


def test_a_finished_kernel_is_shut_down_without_a_keyboard_interrupt(tmp_path: Path, capfd):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_SLOW_KERNEL_INFO)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "slow.ipynb")
    pipeline._execute_notebook(tmp_path / "slow.ipynb", tmp_path / "out.ipynb", {})
    err = capfd.readouterr().err
    assert "KeyboardInterrupt" not in err and "ERROR" not in err, err


def test_a_run_stopped_by_a_data_error_in_the_notebook_counts_as_bad_input():
    """The command exits 2 for bad input data whether the check before the kernel or the kernel's full read of the
    table finds it: papermill keeps the error's class name (``ename``), a crmresearch ValidationError or subclass."""
    from papermill.exceptions import PapermillExecutionError

    def failed(ename: str) -> PapermillExecutionError:
        return PapermillExecutionError(0, 1, "source", ename, "rfm: tx.csv: column 'amt': 1 of 9 rows ...", [])

    assert pipeline._bad_input(failed("DtypeError")) and pipeline._bad_input(failed("SourceError"))
    assert not pipeline._bad_input(failed("ValueError")) and not pipeline._bad_input(failed("ConvergenceError"))
    assert not pipeline._bad_input(RuntimeError("boom in the middle"))
