"""The server's refusals reach the Chinese UI in Chinese: a failed login, and a record the
server rejected (its reason under the record), each without the English text."""


def test_a_failed_login_says_why_in_chinese(phone):
    page = phone.open()
    phone.goto()
    page.fill("[name=username]", "member_a1")
    page.fill("[name=password]", "not-the-password")
    page.click("form[data-form=login] button[type=submit]")
    alert = page.wait_for_selector("[role=alert]")
    assert alert.inner_text() == "登录失败：用户名或密码错误。"


def test_a_rejected_records_reason_is_shown_in_chinese_and_in_english_when_chosen(phone):
    page = phone.open()
    phone.login("member_a1")
    shown = page.evaluate(
        """async () => {
      const { entryItem } = await import('/js/views/common.js');
      const i18n = await import('/js/i18n/index.js');
      const e = { id: 'x', type: 'shift.review', state: 'conflict', photos: [],
        result: { status: 'conflict', message: 'This shift has not ended yet.',
                  message_zh: '该班次尚未结束。' } };
      const zh = entryItem(e).querySelector('.reason').textContent;
      await i18n.loadLang('en'); i18n.setLang('en');
      const en = entryItem(e).querySelector('.reason').textContent;
      i18n.setLang('zh');
      return { zh, en };
    }"""
    )
    assert "该班次尚未结束。" in shown["zh"] and "ended" not in shown["zh"]
    assert "This shift has not ended yet." in shown["en"]
