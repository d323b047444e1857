import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import type { ProjectDto } from '@bangbang/shared';
import { AppPage, DetailCard, DetailRow, PageState, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { cancelProjectClaim, claimProject, getProject, listServiceCategories } from '../../../services/endpoints';
import { projectStatusLine, projectWhen } from '../../../services/project-labels';
import '../projects.css';

/** One project (民生实事) as a person who may claim it sees it: what, where, when, places left; 认领 or 取消认领. */
export default function Project() {
  const id = useRouter().params.id ?? '';
  const project = useLoader(() => getProject(id), [id]);
  const categories = useLoader(() => listServiceCategories(), []);
  const p = project.data;
  const skillName = (code: string) => categories.data?.items.find((c) => c.code === code)?.name ?? code;

  /** An action answers the project as it now is: shown at once, no second request. */
  const act = async (run: () => Promise<ProjectDto>, done: string) => {
    try {
      project.setData(await run());
      showSuccess(done);
    } catch (error) {
      showError(error);
    }
  };
  const cancel = async () => {
    const { confirm } = await Taro.showModal({ title: '取消认领', content: '取消后名额会让给其他人，确定吗？' });
    if (confirm) await act(() => cancelProjectClaim(id), '已取消认领');
  };

  return (
    <AppPage className='projects project'>
      <PageState {...firstLoad(project)}>
        {p && (
          <>
            <View className='projects__card'>
              <Text className='projects__title'>{p.title}</Text>
              <Text className='projects__status project__status'>{projectStatusLine(p)}</Text>
              {p.description !== '' && <Text className='projects__detail'>{p.description}</Text>}
            </View>
            <DetailCard>
              <DetailRow label='社区'>{p.community.name}</DetailRow>
              <DetailRow label='时间'>{projectWhen(p)}</DetailRow>
              <DetailRow label='地点'>{p.address}</DetailRow>
              <DetailRow label='名额'>{`${p.claimed} / ${p.places} 人`}</DetailRow>
              <DetailRow label='记时长'>{`每次 ${p.hours} 小时`}</DetailRow>
              {(p.pointsBase > 0 || p.pointsPerHour > 0) && <DetailRow label='积分'>{`${p.pointsBase} 分，另每小时 ${p.pointsPerHour} 分`}</DetailRow>}
              {p.skills.length > 0 && <DetailRow label='需要'>{p.skills.map(skillName).join('、')}</DetailRow>}
              {p.createdBy && <DetailRow label='组织者'>{p.createdBy.name}</DetailRow>}
            </DetailCard>
            <View className='projects__card'>
              {p.actions.includes('claim') && (
                <Button className='project__claim' type='primary' size='large' block onClick={() => void act(() => claimProject(id), '认领成功')}>
                  认领
                </Button>
              )}
              {p.actions.includes('cancel_claim') && (
                <Button className='project__cancel' size='large' block onClick={() => void cancel()}>
                  取消认领
                </Button>
              )}
              {!p.actions.includes('claim') && !p.myClaim && p.status === 'published' && p.claimed < p.places && (
                <>
                  <Text className='projects__detail'>在职党员双报到到本社区后即可认领。</Text>
                  <Button size='large' block onClick={() => void Taro.navigateTo({ url: '/pages/projects/register/index' })}>
                    去双报到
                  </Button>
                </>
              )}
            </View>
          </>
        )}
      </PageState>
    </AppPage>
  );
}
