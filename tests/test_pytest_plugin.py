"""The pytest plugin, run the way a downstream project runs it (pytester + the README example)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def readme_plugin_example() -> str:
    examples = [b for b in re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL) if "mixpeek_mock" in b]
    assert len(examples) == 1, "the README should show exactly one plugin example"
    return examples[0]


def test_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_downstream=readme_plugin_example())
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_each_test_gets_its_own_namespace_and_faults_are_undone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_isolation="""
        import requests

        seen = []

        def test_first(mixpeek_mock):
            seen.append(mixpeek_mock.namespace)
            assert mixpeek_mock.seed([{"feature_id": "d", "interaction_type": ["view"], "position": 1}]) == 1
            mixpeek_mock.set_faults(error_rate=1)

        def test_second(mixpeek_mock):
            assert mixpeek_mock.namespace not in seen
            api = mixpeek_mock.url + "/v1/retrievers/interactions/list"
            page = requests.post(api, headers=mixpeek_mock.headers, timeout=10)
            assert page.status_code == 200 and page.json()["pagination"]["total"] == 0

        def test_wrong_key_is_refused(mixpeek_mock):
            headers = {**mixpeek_mock.headers, "Authorization": "Bearer other"}
            api = mixpeek_mock.url + "/v1/retrievers/interactions/list"
            assert requests.post(api, headers=headers, timeout=10).status_code == 401
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_settings_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from mockserver import Settings

        @pytest.fixture(scope="session")
        def mixpeek_mock_settings():
            return Settings(port=0, count=5, api_keys=frozenset({"my-key"}))
        """
    )
    pytester.makepyfile(
        test_seeded="""
        import requests

        def test_seeded(mixpeek_mock):
            assert mixpeek_mock.api_key == "my-key"
            api = mixpeek_mock.url + "/v1/retrievers/interactions/list"
            assert requests.post(api, headers=mixpeek_mock.headers, timeout=10).json()["pagination"]["total"] == 5
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_failing_admin_call_says_what_the_mock_answered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad_seed="""
        def test_bad(mixpeek_mock):
            mixpeek_mock.seed([{"feature_id": "d"}])
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*mock admin POST /namespaces/*/records answered 422*interaction_type*"])


def test_the_journal_says_which_requests_were_slow(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from mockserver import Settings

        @pytest.fixture(scope="session")
        def mixpeek_mock_settings():
            return Settings(port=0, count=2, slow_ms=0.001)  # every request holds the loop that long
        """
    )
    pytester.makepyfile(
        test_slow="""
        import requests

        def test_slow(mixpeek_mock):
            api = mixpeek_mock.url + "/v1/retrievers/interactions/list"
            assert requests.post(api, headers=mixpeek_mock.headers, timeout=10).status_code == 200
            (slow,) = mixpeek_mock.journal(slow=True)
            assert slow["path"] == "/v1/retrievers/interactions/list" and slow["held_ms"] > 0
            assert mixpeek_mock.journal(slow=False) == []
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
