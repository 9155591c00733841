import time
import queue
def consumer(name):
    print("%s准备开始吃包子啦..." % name)
    while True:
        new_baozi = yield
        print("[%s] 正在吃包子 %s" % (name,new_baozi))
        #time.sleep(1)

def producer():
    r = con.__next__()
    r = con2.__next__()
    n = 0
    while n < 5:    # 生产者只做5个包子
        n += 1
        print("\033[32;1m[producer]\033[0m做好了新包子 %s" % n )
        time.sleep(1)
        con.send(n)
        con2.send(n)

if __name__ == '__main__':
    # 定义2个消费者、1个生产者
    con = consumer("c1")
    con2 = consumer("c2")
    p = producer()
