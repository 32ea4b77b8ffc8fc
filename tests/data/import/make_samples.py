"""Regenerate the made-up sample statements and work-hour sheets in this folder.

    .venv/bin/python tests/data/import/make_samples.py

The statements of each account chain: the small ledger in ledger/ opens 100201 with
50,000.00 and 100202 with 20,000.00 on 2024-03-01, and every sample's running
balance continues from the previous one, so all of them appended to that ledger
keep every balance assertion true. All names and numbers are fictitious.
"""
import datetime
import pathlib

import openpyxl

HERE = pathlib.Path(__file__).resolve().parent
NS = "880101200000123456"      # 农商银行基本户 (mapped to 100201)
CCB = "65050162000000000123"   # 建设银行一般户 (mapped to 100202)


def write(name, text, encoding):
    (HERE / name).write_bytes(text.encode(encoding))


def rural_march():
    """UTF-8, preamble, split 借方/贷方 columns, ascending, thousands separators, footer."""
    text = f"""呼图壁县农村商业银行 账户交易明细
账号:{NS}
户名:呼图壁县生产性实训基地经营管理中心
起止日期:2024-03-01 至 2024-03-31
币种:人民币

交易日期,交易时间,摘要,对方户名,对方账号,借方发生额,贷方发生额,余额,交易流水号
2024-03-04,09:15:02,货款,昌吉州天山食品有限公司,6217000000001111,,"11,312.00","61,312.00",NS20240304000101
2024-03-06,10:01:11,福建援疆资金拨款,呼图壁县财政局,15030101040000001,,"300,000.00","361,312.00",NS20240306000017
2024-03-08,14:22:10,购原材料,呼图壁县丰收农业合作社,6228000000002222,"8,000.00",,"353,312.00",NS20240308000033
2024-03-08,14:25:40,购原材料,呼图壁县丰收农业合作社,6228000000002222,"8,000.00",,"345,312.00",NS20240308000034
2024-03-15,16:00:00,代发工资,呼图壁县生产性实训基地经营管理中心,{NS},"12,000.00",,"333,312.00",NS20240315000009
2024-03-21,08:30:00,短信服务费,,,6.00,,"333,306.00",NS20240321000001
2024-03-29,15:45:12,转账,乌鲁木齐某某商贸有限公司,6222000000003333,,"1,000.00","334,306.00",NS20240329000077
合计,,,,,"28,006.00","312,312.00",,
"""
    write("农商银行-2024-03-utf8.csv", text, "utf-8")


def rural_april():
    """GBK, full-width colon and spaces in the number, newest row first, 2024/4/3 dates,
    支出/收入 column names, two genuine same-day payments of the same amount."""
    text = """呼图壁县农村商业银行对账单
账号：8801 0120 0000 1234 56
户名：呼图壁县生产性实训基地经营管理中心
记账日期,摘要,对方户名,对方账号,支出金额,收入金额,账户余额,流水号
2024/4/28,手续费,,,10.00,,"351,721.00",NS20240428000005
2024/4/18,货款,昌吉州天山食品有限公司,6217000000001111,,"22,725.00","351,731.00",NS20240418000120
2024/4/10,运费,呼图壁县顺达运输队,6228000000004444,"2,400.00",,"329,006.00",NS20240410000051
2024/4/10,运费,呼图壁县顺达运输队,6228000000004444,"2,400.00",,"331,406.00",NS20240410000050
2024/4/2,电费,国网新疆电力有限公司,6228000000005555,500.00,,"333,806.00",NS20240402000011
"""
    write("农商银行-2024-04-gbk.csv", text, "gbk")


def rural_may():
    """XLSX: account number in its own cell, real date cells, numeric amounts."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "交易明细"
    sheet.append(["账户交易明细查询"])
    sheet.append(["账号", NS])
    sheet.append(["户名", "呼图壁县生产性实训基地经营管理中心"])
    sheet.append([])
    sheet.append(["交易日期", "摘要", "对方户名", "对方账号", "借方发生额(元)", "贷方发生额(元)",
                  "余额(元)", "交易流水号"])
    sheet.append([datetime.datetime(2024, 5, 6, 10, 30), "购原材料", "呼图壁县丰收农业合作社",
                  "6228000000002222", 3000, None, 348721, "NS20240506000021"])
    sheet.append([datetime.datetime(2024, 5, 20, 9, 0), "货款", "昌吉州天山食品有限公司",
                  "6217000000001111", None, 5050.5, 353771.5, "NS20240520000044"])
    book.save(HERE / "农商银行-2024-05.xlsx")


def ccb_march():
    """UTF-8 with BOM, one signed 交易金额 column, 交易时间 carrying date and time."""
    text = f"""中国建设银行 活期账户交易明细
账号,{CCB}
交易时间,交易金额,余额,对方户名,对方账号,摘要,流水号
2024-03-05 10:22:33,"5,000.00","25,000.00",呼图壁县云购电子商务有限公司,6227000000006666,场地租金,CCB202403050001
2024-03-12 11:00:00,"-1,200.00","23,800.00",某某电商平台服务有限公司,6227000000007777,平台服务费,CCB202403120003
2024-03-12 11:05:00,"-1,200.00","22,600.00",某某电商平台服务有限公司,6227000000007777,平台服务费,CCB202403120004
2024-03-25 17:00:00,-2.00,"22,598.00",,,手续费,CCB202403250002
"""
    write("建设银行-2024-03-bom.csv", text, "utf-8-sig")


def ccb_april():
    """XLSX: unsigned 交易金额 with a 借贷标志 column, no serial column (a synthetic
    one is made), the account number on every row (本方账号), 20240408 dates."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["本方账号", "交易日期", "借贷标志", "交易金额", "余额", "对方户名", "摘要"])
    sheet.append([CCB, "20240408", "贷", "3,000.00", "25,598.00", "呼图壁县云购电子商务有限公司", "场地租金"])
    sheet.append([CCB, "20240415", "借", "800.00", "24,798.00", "呼图壁县顺达运输队", "运费"])
    book.save(HERE / "建设银行-2024-04.xlsx")


def unmapped():
    """A statement whose number is in no configuration: goes to the default account."""
    text = """账号:6222999988887777
交易日期,摘要,对方户名,交易金额,余额,交易流水号
2024-06-03,货款,某客户,100.00,100.00,X0001
"""
    (HERE / "other").mkdir(exist_ok=True)
    (HERE / "other" / "未登记账号.csv").write_text(text, encoding="utf-8")


def hours_agri():
    """XLSX work-hour sheet, a title row first, 学号 as numbers, date cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["农产品精深加工基地 2024年3月 学生工时登记表"])
    sheet.append(["学号", "姓名", "日期", "工时", "基地"])
    base = "农产品精深加工"
    for number, name, day, hours in [
        (20240101, "阿依古丽", 4, 4), (20240101, "阿依古丽", 5, 4.5),
        (20240102, "李明", 4, 6), (20240101, "阿依古丽", 18, 8),
        (20240102, "李明", 19, 3.5), (20240102, "李明", 19, 2),
    ]:
        sheet.append([number, name, datetime.date(2024, 3, day), hours, base])
    sheet.append(["合计", None, None, 28, None])
    book.save(HERE / "工时表-农产品精深加工-2024-03.xlsx")


def hours_ecommerce():
    """GBK CSV without a 基地 column (the roster gives it), 4小时 style hours."""
    text = """学号,姓名,日期,工时
20240103,王芳,2024年3月5日,4小时
20240103,王芳,2024年3月6日,3.5
20240104,张伟,2024年3月6日,5
20240104,张伟,2024年4月1日,2
"""
    write("工时表-电子商务-2024-03-gbk.csv", text, "gbk")


if __name__ == "__main__":
    rural_march()
    rural_april()
    rural_may()
    ccb_march()
    ccb_april()
    unmapped()
    hours_agri()
    hours_ecommerce()
